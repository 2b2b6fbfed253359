/*
 * argon2id through libsodium. Each hash takes ~19 MiB for ~50 ms, so a semaphore
 * caps how many run at once: a login flood queues instead of exhausting memory.
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "schoolhub/log.h"
#include "schoolhub/security.h"

#define OPSLIMIT 2
#define MEMLIMIT (19u * 1024u * 1024u)

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
	char password[33];
	randombytes_buf(password, sizeof(password) - 1);
	for (size_t i = 0; i < sizeof(password) - 1; i++)
		password[i] = (char)('a' + (unsigned char)password[i] % 26);
	password[32] = '\0';
	if (crypto_pwhash_str_alg(dummy_hash, password, strlen(password), OPSLIMIT, MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		sh_log_error("could not prepare the dummy password hash");
}

int sh_password_hash(struct sh_app *app, const char *password, char out[SH_PASSWORD_HASH_MAX])
{
	_Static_assert(crypto_pwhash_STRBYTES <= SH_PASSWORD_HASH_MAX, "hash buffer too small");
	while (sem_wait(&app->hash_slots) != 0)
		;
	int rc = crypto_pwhash_str_alg(out, password, strlen(password), OPSLIMIT, MEMLIMIT,
				       crypto_pwhash_ALG_ARGON2ID13);
	sem_post(&app->hash_slots);
	if (rc != 0) {
		sh_log_error("argon2id hashing failed (out of memory?)");
		return -1;
	}
	return 0;
}

bool sh_password_verify(struct sh_app *app, const char *hash, const char *password)
{
	pthread_once(&dummy_once, make_dummy_hash);
	bool real = hash != NULL && hash[0] != '\0';
	while (sem_wait(&app->hash_slots) != 0)
		;
	int rc = crypto_pwhash_str_verify(real ? hash : dummy_hash, password, strlen(password));
	sem_post(&app->hash_slots);
	return real && rc == 0;
}
