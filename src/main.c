/* The schoolhub binary: everything lives in the core library; this only hands over argv. */
#include "schoolhub/cli.h"

int main(int argc, char **argv)
{
	return sh_cli_main(argc, argv);
}
