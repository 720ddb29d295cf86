/* roomcast: the configuration's settings table, shared by config.c (loading,
 * validation, dump, reload) and config-settings.c (the table itself). */
#pragma once

#include "config.h"

G_BEGIN_DECLS

#define DAY_MS (24u * 60u * 60u * 1000u)

typedef enum {
  KIND_STRING,      /* free text; min = minimum length in bytes */
  KIND_UINT,        /* decimal guint in [min, max] */
  KIND_PORT,        /* guint in 1-65535 */
  KIND_LISTEN_PORT, /* guint in 0-65535; 0 = any free port, logged at start */
  KIND_URL,         /* absolute http(s) URL, stored without trailing '/' */
  KIND_IP,          /* numeric IPv4 or IPv6 address */
  KIND_LOG_LEVEL,   /* error|warn|warning|info|debug, sets two fields */
  KIND_ORIGINS,     /* comma separated "*" or scheme://host[:port] */
  KIND_ENUM,        /* one of Setting.choices, stored as an int-sized enum */
  KIND_FLAGS,       /* comma separated Setting.choices (one bit each), ORed into an int */
  KIND_IGNORED,     /* accepted for the Node audio server's .env, no effect */
  KIND_ICE_URLS, /* comma separated stun:// (max = 1 URL) or turn(s):// URLs, see parse_ice_urls */
} Kind;

typedef struct {
  const char *name;
  int value;
} Choice;

typedef struct {
  const char *name;  /* environment variable and CLI override name */
  const char *alias; /* the Node audio server's MEDIASOUP_* name, environment only */
  Kind kind;
  gboolean secret;           /* never printed: errors and dump say <redacted> */
  const char *default_value; /* parsed like any value; NULL = unset */
  gsize offset;              /* field in RcConfig */
  guint min, max;
  const Choice *choices; /* KIND_ENUM and KIND_FLAGS, NULL-terminated */
  gboolean reloadable;   /* applied by SIGHUP without a restart */
  gboolean keep_empty;   /* KIND_STRING: "NAME=" is the empty value, not "unset" */
} Setting;

/* The number of rows in the table; config-settings.c checks it at compile
 * time, so adding a setting means changing this number too. */
#define RC_CONFIG_N_SETTINGS 89

extern const Setting *const rc_config_settings;

/* config-values.c: one setting's value, and the error list every problem
 * goes to (config.c reports them all at once). */

/* Parses @value (NULL = unset) into @config; FALSE after adding an error. */
gboolean rc_config_parse_setting (const Setting *s, const char *value, RcConfig *config,
                                  GPtrArray *errors);
void rc_config_add_line (GPtrArray *errors, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Records "NAME: 'value' <why>"; a secret's value is replaced so it can
 * never reach a log or a terminal through an error message. */
void rc_config_add_error (GPtrArray *errors, const Setting *s, const char *value,
                          const char *fmt, ...) G_GNUC_PRINTF (4, 5);
void rc_config_set_string (char **field, const char *value);

G_END_DECLS
