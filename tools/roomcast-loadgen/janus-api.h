/* roomcast-loadgen: one Janus API session holding one plugin handle, over
 * Janus's HTTP transport (libsoup 3 on the thread-default main context of
 * the creator; nothing blocks).
 *
 * janus_api_start() creates the session and attaches the plugin; from then
 * on one long poll (GET <url>/<session>?maxev=N) at a time brings the
 * handle's asynchronous events, and a keepalive goes out every 25 s.
 * Messages and trickled candidates are POSTed to the handle one at a time,
 * in the order given; those given before the handle exists wait for it. Any
 * HTTP or Janus error, or the session timing out, ends the session with
 * one failed() callback; no callback follows janus_api_free().
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _JanusApi JanusApi;

typedef struct {
  /* An asynchronous message about the handle, whole: "janus" is "event"
   * (plugindata, maybe a jsep), "trickle", "webrtcup", "media", "hangup",
   * "slowlink" or "detached". */
  void (*event) (JsonObject *message, gpointer user_data);
  /* The session is over; @reason says why. */
  void (*failed) (const char *reason, gpointer user_data);
} JanusApiCallbacks;

/* @url: the API root, e.g. http://127.0.0.1:8088/janus; @plugin: e.g.
 * janus.plugin.audiobridge. @callbacks is copied. */
JanusApi *janus_api_new (const char *url, const char *plugin,
                         const JanusApiCallbacks *callbacks, gpointer user_data);
void janus_api_start (JanusApi *self);
/* {"janus":"message","body":@body[,"jsep":@jsep]}; Janus must ack it. */
void janus_api_send_message (JanusApi *self, JsonNode *body, JsonNode *jsep);
/* A trickled candidate, or the end of candidates when @candidate is NULL. */
void janus_api_trickle (JanusApi *self, const char *mid, guint mline_index,
                        const char *candidate);
/* Sends "destroy" (not waited for) and forgets everything. */
void janus_api_free (JanusApi *self);

/* @object's member @name when it is an object, else NULL. */
JsonObject *janus_api_get_object (JsonObject *object, const char *name);

G_END_DECLS
