/*
 * argon2id through libsodium. Each hash takes ~19 MiB for ~50 ms, so a semaphore
 * caps how many run at once: a login flood queues instead of exhausting memory.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "schoolhub/log.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* Fuzzer builds only (CMake SCHOOLHUB_FUZZ, never a server build): the same argon2id at its
 * smallest cost, so an input that reaches a login costs microseconds instead of 50 ms. */
#define OPSLIMIT crypto_pwhash_argon2id_OPSLIMIT_MIN
#define MEMLIMIT crypto_pwhash_argon2id_MEMLIMIT_MIN
#else
#define OPSLIMIT 2
#define MEMLIMIT (19u * 1024u * 1024u)
#endif

static char dummy_hash[crypto_pwhash_STRBYTES];
/* argon2id verifications run (dummy ones included): what guessing limits must bound. */
static atomic_uint_fast64_t verifications;
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

/*
 * Waits up to SCHOOLHUB_PASSWORD_SLOT_WAIT_MS for a hashing slot, and never more than half
 * the connection timeout: the waiting request holds its libmicrohttpd worker thread, and
 * the other connections that thread serves must not reach their idle timeout meanwhile.
 */
static bool take_slot(struct sh_app *app)
{
	unsigned half_ms = app->cfg.connection_timeout_s * 500u;
	unsigned wait_ms =
		app->cfg.password_slot_wait_ms < half_ms ? app->cfg.password_slot_wait_ms : half_ms;
	struct timespec deadline = sh_deadline_after_ms(CLOCK_REALTIME, (long)wait_ms);
	for (;;) {
		if (sem_timedwait(&app->hash_slots, &deadline) == 0)
			return true;
		if (errno != EINTR)
			return false;
	}
}

enum sh_pw_result sh_password_hash(struct sh_app *app, const char *password,
				   char out[SH_PASSWORD_HASH_MAX])
{
	_Static_assert(crypto_pwhash_STRBYTES <= SH_PASSWORD_HASH_MAX, "hash buffer too small");
	if (!take_slot(app)) {
		sh_log_warn("password hashing saturated: request refused");
		return SH_PW_BUSY;
	}
	int rc = crypto_pwhash_str_alg(out, password, strlen(password), OPSLIMIT, MEMLIMIT,
				       crypto_pwhash_ALG_ARGON2ID13);
	sem_post(&app->hash_slots);
	if (rc != 0) {
		sh_log_error("argon2id hashing failed (out of memory?)");
		return SH_PW_ERROR;
	}
	return SH_PW_OK;
}

enum sh_pw_result sh_password_verify(struct sh_app *app, const char *hash, const char *password)
{
	pthread_once(&dummy_once, make_dummy_hash);
	bool real = hash != NULL && hash[0] != '\0';
	if (!take_slot(app)) {
		sh_log_warn("password hashing saturated: request refused");
		return SH_PW_BUSY;
	}
	atomic_fetch_add_explicit(&verifications, 1, memory_order_relaxed);
	int rc = crypto_pwhash_str_verify(real ? hash : dummy_hash, password, strlen(password));
	sem_post(&app->hash_slots);
	return real && rc == 0 ? SH_PW_MATCH : SH_PW_MISMATCH;
}

uint64_t sh_password_verification_count(void)
{
	return (uint64_t)atomic_load_explicit(&verifications, memory_order_relaxed);
}
