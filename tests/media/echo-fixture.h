/* roomcast: the media tests' side of media-echo-server.
 *
 * Starts the server as a child process (loopback only, its own port range,
 * a short connect timeout), makes test clients for it, and reads its
 * test:stats. Shared by the media test programs.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "rc-test-client.h"

G_BEGIN_DECLS

/* The server's ICE port range (RTC_MIN_PORT..RTC_MAX_PORT). */
#define RTC_MIN_PORT 41000
#define RTC_MAX_PORT 41999
/* The server's RTC_CONNECT_TIMEOUT_MS: shorter than the default 15 s so the
 * no-answer test is quick, long enough that every other client connects in
 * time on a loaded 2-core machine once both processes are warm (the first
 * connection of a process also generates its DTLS key, which takes seconds
 * on a starved CPU). RC_MEDIA_TEST_CONNECT_TIMEOUT_MS overrides it
 * (scripts/test --sanitize sets 15 s: both ends instrumented). */
#define CONNECT_TIMEOUT_MS 6000
/* Indexes into the frequencies every client measures: 440 Hz (the server's
 * tone) and 1000 Hz (absent from what the server sends). */
#define TONE 0
#define ABSENT 1

guint connect_timeout_ms (void);
/* Starts media-echo-server ($MEDIA_ECHO_SERVER) and waits for its URL. The
 * child dies with this process, even on an abort. */
void start_server (void);
/* SIGTERM; it must exit 0. */
void stop_server (void);
/* A second server with RTC_ANNOUNCED_IP=@announced_ip replaces the first
 * for client_new() until pop_server() stops it and restores the first. */
void push_server (const char *announced_ip);
void pop_server (void);

/* A client with a fresh dev token, connected (Socket.IO) to the server;
 * @tone > 0: it sends that sine; @no_answer: it never answers offers. */
RcTestClient *client_new (double tone, gboolean no_answer);
/* The same, whose answers carry @answer_fingerprint (nullable: the real
 * one) as their a=fingerprint value. */
RcTestClient *client_new_forged (double tone, gboolean no_answer,
                                 const char *answer_fingerprint);

typedef struct {
  RcTestClient **clients;
  guint n;
} Group;

gboolean all_media_connected (gpointer group);
/* 440 Hz at least -20 dBFS and 30 dB above 1000 Hz, over 5+ windows. */
gboolean hears_tone (RcTestClient *c);
gboolean all_hear_tone (gpointer group);
/* One line of the client's state and counters in the test log. */
void describe (RcTestClient *c, const char *what);
/* Every candidate either side signalled is 127.0.0.1; the server's use
 * ports in RTC_MIN_PORT..RTC_MAX_PORT. */
void assert_loopback_only (RcTestClient *c);

/* The server's test:stats reply (transfer full), asked through @c. */
JsonObject *server_stats (RcTestClient *c);
guint n_server_peers (RcTestClient *c);
/* Every server peer is connected and pushed packets onto the wire, and
 * exactly @n_senders of them received the client's audio. */
void assert_server_sent (RcTestClient *probe, guint n, guint n_senders);

typedef struct {
  RcTestClient *probe;
  guint n;
} PeerCount;

gboolean server_has_peers (gpointer peer_count);

G_END_DECLS
