/* Identifiers, timestamps and tokens used across modules. */
#include "schoolhub/util.h"

#include <ctype.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schoolhub/mem.h"

static void uuid_format(const unsigned char b[16], char out[SH_UUID_LEN + 1])
{
	snprintf(out, SH_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

void sh_uuid_v4(char out[SH_UUID_LEN + 1])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	uuid_format(b, out);
}

void sh_uuid_v7(char out[SH_UUID_LEN + 1])
{
	unsigned char b[16];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	randombytes_buf(b + 6, sizeof(b) - 6);
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x70);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	uuid_format(b, out);
}

bool sh_uuid_valid(const char *s)
{
	if (s == NULL || strlen(s) != SH_UUID_LEN)
		return false;
	for (int i = 0; i < SH_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

bool sh_uuid_normalize(const char *s, char out[SH_UUID_LEN + 1])
{
	if (!sh_uuid_valid(s))
		return false;
	for (int i = 0; i <= SH_UUID_LEN; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return true;
}

bool sh_time_is_canonical(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return false;
	}
	if (s[sizeof(shape) - 1] != '\0')
		return false;
	int month = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
	int hour = (s[11] - '0') * 10 + (s[12] - '0'), minute = (s[14] - '0') * 10 + (s[15] - '0');
	int second = (s[17] - '0') * 10 + (s[18] - '0');
	return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 &&
	       second < 61;
}

void sh_time_format(time_t t, char out[SH_TIME_LEN + 1])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, SH_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void sh_time_now(char out[SH_TIME_LEN + 1])
{
	sh_time_format(time(NULL), out);
}

int sh_date_parse(const char *s, time_t *t_r)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	struct tm tm = {0};
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1)
		return -1;
	struct tm check = tm;
	time_t t = timegm(&check);
	/* timegm normalises 2026-02-30 to March: a changed field means the date did not exist. */
	if (t == (time_t)-1 || check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon)
		return -1;
	*t_r = t;
	return 0;
}

char *sh_random_token(size_t bytes)
{
	unsigned char raw[64];
	if (bytes > sizeof(raw))
		bytes = sizeof(raw);
	randombytes_buf(raw, bytes);
	size_t len = sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = sh_malloc(len);
	sodium_bin2base64(out, len, raw, bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return out;
}

void sh_token_hash(const char *token, char out[65])
{
	/* Tokens are 256-bit random values, so a fast hash is enough: nobody can brute-force
	 * the pre-image, and a database leak does not reveal usable tokens. */
	unsigned char digest[32];
	static const unsigned char context[] = "schoolhub-token-v1";
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)token, strlen(token),
			   context, sizeof(context) - 1);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

bool sh_utf8_valid_text(const char *s, size_t max_chars, size_t *chars_r)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;
	while (*p) {
		uint32_t cp;
		int extra;
		if (*p < 0x80) {
			cp = *p;
			extra = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			extra = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			extra = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			extra = 3;
		} else {
			return false;
		}
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (*p & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		if (cp < 0x20 || cp == 0x7f)
			return false;
		if (++chars > max_chars)
			return false;
	}
	if (chars_r != NULL)
		*chars_r = chars;
	return true;
}

struct timespec sh_deadline_after_ms(clockid_t clock, long ms)
{
	struct timespec t;
	clock_gettime(clock, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

long sh_retry_after_s(const char *since, long window_s, time_t now)
{
	struct tm tm = {0};
	long wait = window_s;
	if (since != NULL && strptime(since, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
		wait = (long)(timegm(&tm) + window_s - now);
	return wait < 1 ? 1 : wait;
}
