/* roomcast: helpers shared by the configuration tests: build an environment
 * or overrides, write a temporary key file, load expecting success or the
 * single error message. */
#pragma once

#include "config.h"

#define SECRET "s3cr3t-do-not-print-0123456789abcdef"  /* >= 32 characters */
#define SHORT_SECRET "tiny-secret-XYZ"
#define API_URL "https://api.example.test"

char **env_of (const char *first, ...);
GHashTable *overrides_of (const char *first, ...);
char *write_conf (const char *contents);
RcConfig *load_ok (gboolean dev, const char *path, char **env, GHashTable *overrides);
char *load_error (gboolean dev, const char *path, char **env, GHashTable *overrides);
char *env_error (const char *name, const char *value);
