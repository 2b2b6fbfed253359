/* The SEL history cursor (history_cursor.h): a booking number in base 36, short and opaque
 * enough. */
#include "modules/sel/history_cursor.h"

#include <string.h>

void sh_sel_cursor_encode(int64_t seq, char out[SH_SEL_CURSOR_SIZE])
{
	char digits[SH_SEL_CURSOR_SIZE];
	size_t pos = sizeof(digits) - 1;
	digits[pos] = '\0';
	do {
		digits[--pos] = "0123456789abcdefghijklmnopqrstuvwxyz"[seq % 36];
		seq /= 36;
	} while (seq > 0);
	memcpy(out, digits + pos, sizeof(digits) - pos);
}
