/* roomcast: SRTP/SRTCP protect and unprotect on OpenSSL EVP
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why our own and not libsrtp2: Debian's libsrtp2 is built on NSS, and
 * tools/bench-srtp measures it several times dearer per packet than these
 * few EVP calls (plugins/icelite/README.md has the figures). The wire
 * format follows RFC 3711 (AES_CM_128_HMAC_SHA1_80) and RFC 7714
 * (AEAD_AES_128_GCM); the key derivation follows libsrtp's layout of a
 * 12-byte GCM salt (what browsers interoperate with); the tests check both
 * profiles against libsrtp2 and the RFC 3711 appendix B vectors.
 */
#include "srtp-context.h"
#include "icelite-bytes.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

G_DEFINE_QUARK (rc-srtp-error-quark, rc_srtp_error)

#define CM_KEY_LEN 16
#define CM_SALT_LEN 14
#define GCM_SALT_LEN 12
#define AUTH_KEY_LEN 20
#define SHA1_BLOCK 64
#define HMAC_TAG_LEN 10
#define GCM_TAG_LEN 16
#define SRTCP_INDEX_LEN 4
#define REPLAY_WINDOW 64

/* The session keys of one direction of one kind (RTP or RTCP). */
typedef struct {
  EVP_CIPHER_CTX *enc;          /* AES-128-CTR, or AES-128-GCM encrypting */
  EVP_CIPHER_CTX *dec;          /* AES-128-GCM decrypting; NULL for CTR */
  /* HMAC-SHA1 (RFC 2104) with the key absorbed once: SHA-1 states after
   * the inner and the outer padded key, copied into work per packet.
   * NULL for GCM. */
  EVP_MD_CTX *hmac_inner;
  EVP_MD_CTX *hmac_outer;
  EVP_MD_CTX *hmac_work;
  guint8 key[CM_KEY_LEN];
  guint8 auth[AUTH_KEY_LEN];
  guint8 salt[CM_SALT_LEN];     /* GCM uses the first 12 bytes */
} SessionKeys;

/* Packet-index state of one SSRC in one direction (RFC 3711 §3.3.1 and
 * appendix A), with a replay window for the receiving side. */
typedef struct {
  gboolean have;
  guint32 ssrc;
  guint64 highest;              /* RTP: ROC << 16 | SEQ; SRTCP: the index */
  guint64 window;               /* bit i: highest - i was seen */
} IndexState;

struct _RcSrtpContext {
  RcSrtpProfile profile;
  SessionKeys rtp;
  SessionKeys rtcp;
  IndexState rtp_tx;
  IndexState rtp_rx;
  IndexState rtcp_rx;
  guint32 srtcp_tx_index;
};

gsize
rc_srtp_profile_key_length (RcSrtpProfile profile)
{
  switch (profile) {
    case RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80:
    case RC_SRTP_PROFILE_AEAD_AES_128_GCM:
      return CM_KEY_LEN;
  }
  return 0;
}

gsize
rc_srtp_profile_salt_length (RcSrtpProfile profile)
{
  switch (profile) {
    case RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80:
      return CM_SALT_LEN;
    case RC_SRTP_PROFILE_AEAD_AES_128_GCM:
      return GCM_SALT_LEN;
  }
  return 0;
}

const char *
rc_srtp_profile_openssl_name (RcSrtpProfile profile)
{
  switch (profile) {
    case RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80:
      return "SRTP_AES128_CM_SHA1_80";
    case RC_SRTP_PROFILE_AEAD_AES_128_GCM:
      return "SRTP_AEAD_AES_128_GCM";
  }
  return NULL;
}

/* RFC 3711 §4.3.1 with a key derivation rate of 0: the AES-CM keystream
 * of the master key at IV = (master salt XOR label << 48) << 16. The salt
 * is laid out from the first byte, so a 12-byte GCM salt is followed by
 * two zero bytes, as libsrtp does. */
static gboolean
derive (const guint8 * master_key, const guint8 * master_salt, gsize salt_len,
    guint8 label, guint8 * out, gsize n)
{
  guint8 iv[16] = { 0 };
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new ();
  int outl = 0;
  gboolean ok;

  memcpy (iv, master_salt, salt_len);
  iv[7] ^= label;
  memset (out, 0, n);
  ok = c != NULL
      && EVP_EncryptInit_ex (c, EVP_aes_128_ctr (), NULL, master_key, iv) == 1
      && EVP_EncryptUpdate (c, out, &outl, out, (int) n) == 1;
  EVP_CIPHER_CTX_free (c);
  return ok;
}

static void
session_keys_clear (SessionKeys * k)
{
  EVP_CIPHER_CTX_free (k->enc);
  EVP_CIPHER_CTX_free (k->dec);
  EVP_MD_CTX_free (k->hmac_inner);
  EVP_MD_CTX_free (k->hmac_outer);
  EVP_MD_CTX_free (k->hmac_work);
  OPENSSL_cleanse (k, sizeof *k);
}

static gboolean
session_keys_init (SessionKeys * k, RcSrtpProfile profile,
    const guint8 * master_key, const guint8 * master_salt, guint8 first_label)
{
  gsize salt_len = rc_srtp_profile_salt_length (profile);

  if (!derive (master_key, master_salt, salt_len, first_label, k->key,
          CM_KEY_LEN)
      || !derive (master_key, master_salt, salt_len, first_label + 2, k->salt,
          salt_len))
    return FALSE;

  k->enc = EVP_CIPHER_CTX_new ();
  if (k->enc == NULL)
    return FALSE;

  if (profile == RC_SRTP_PROFILE_AEAD_AES_128_GCM) {
    k->dec = EVP_CIPHER_CTX_new ();
    return k->dec != NULL
        && EVP_EncryptInit_ex (k->enc, EVP_aes_128_gcm (), NULL, k->key,
        NULL) == 1
        && EVP_DecryptInit_ex (k->dec, EVP_aes_128_gcm (), NULL, k->key,
        NULL) == 1;
  }

  if (!derive (master_key, master_salt, salt_len, first_label + 1, k->auth,
          AUTH_KEY_LEN)
      || EVP_EncryptInit_ex (k->enc, EVP_aes_128_ctr (), NULL, k->key,
          NULL) != 1)
    return FALSE;

  {
    /* HMAC's two padded keys, absorbed once: per packet that saves a
     * third of EVP_MAC's cost (tools/bench-srtp) */
    guint8 ipad[SHA1_BLOCK], opad[SHA1_BLOCK];
    gboolean ok;

    memset (ipad, 0x36, sizeof ipad);
    memset (opad, 0x5c, sizeof opad);
    for (int i = 0; i < AUTH_KEY_LEN; i++) {
      ipad[i] ^= k->auth[i];
      opad[i] ^= k->auth[i];
    }
    k->hmac_inner = EVP_MD_CTX_new ();
    k->hmac_outer = EVP_MD_CTX_new ();
    k->hmac_work = EVP_MD_CTX_new ();
    ok = k->hmac_inner != NULL && k->hmac_outer != NULL
        && k->hmac_work != NULL
        && EVP_DigestInit_ex (k->hmac_inner, EVP_sha1 (), NULL) == 1
        && EVP_DigestUpdate (k->hmac_inner, ipad, sizeof ipad) == 1
        && EVP_DigestInit_ex (k->hmac_outer, EVP_sha1 (), NULL) == 1
        && EVP_DigestUpdate (k->hmac_outer, opad, sizeof opad) == 1;
    OPENSSL_cleanse (ipad, sizeof ipad);
    OPENSSL_cleanse (opad, sizeof opad);
    return ok;
  }
}

RcSrtpContext *
rc_srtp_context_new (RcSrtpProfile profile, const guint8 * key,
    const guint8 * salt, GError ** error)
{
  g_autoptr (RcSrtpContext) ctx = NULL;

  g_return_val_if_fail (key != NULL && salt != NULL, NULL);

  if (rc_srtp_profile_key_length (profile) == 0) {
    g_set_error (error, RC_SRTP_ERROR, RC_SRTP_ERROR_PROFILE,
        "unknown SRTP profile %d", (int) profile);
    return NULL;
  }
  ctx = g_new0 (RcSrtpContext, 1);
  ctx->profile = profile;
  if (!session_keys_init (&ctx->rtp, profile, key, salt, 0)
      || !session_keys_init (&ctx->rtcp, profile, key, salt, 3)) {
    g_set_error (error, RC_SRTP_ERROR, RC_SRTP_ERROR_CRYPTO,
        "OpenSSL could not set up the SRTP session keys");
    return NULL;
  }
  return g_steal_pointer (&ctx);
}

void
rc_srtp_context_free (RcSrtpContext * ctx)
{
  if (ctx == NULL)
    return;
  session_keys_clear (&ctx->rtp);
  session_keys_clear (&ctx->rtcp);
  g_free (ctx);
}

gsize
rc_srtp_context_get_session_key (RcSrtpContext * ctx, guint which,
    guint8 * out, gsize max)
{
  const SessionKeys *k = which < 3 ? &ctx->rtp : &ctx->rtcp;
  const guint8 *src;
  gsize n;

  switch (which % 3) {
    case 0:
      src = k->key;
      n = CM_KEY_LEN;
      break;
    case 1:
      src = k->auth;
      n = ctx->profile == RC_SRTP_PROFILE_AEAD_AES_128_GCM ? 0 : AUTH_KEY_LEN;
      break;
    default:
      src = k->salt;
      n = rc_srtp_profile_salt_length (ctx->profile);
      break;
  }
  n = MIN (n, max);
  memcpy (out, src, n);
  return n;
}

/* Length of the RTP header (fixed part, CSRCs, extension). */
static gboolean
rtp_header_length (const guint8 * p, gsize len, gsize * hlen)
{
  gsize h;

  if (len < 12 || (p[0] >> 6) != 2)
    return FALSE;
  h = 12 + 4 * (gsize) (p[0] & 0x0f);
  if (p[0] & 0x10) {
    if (len < h + 4)
      return FALSE;
    h += 4 + 4 * (gsize) ((p[h + 2] << 8) | p[h + 3]);
  }
  if (h > len)
    return FALSE;
  *hlen = h;
  return TRUE;
}

/* RFC 3711 appendix A: the 48-bit index of @seq given the state. */
static guint64
estimate_index (const IndexState * st, guint32 ssrc, guint16 seq)
{
  guint32 roc, v;
  guint16 s_l;

  if (!st->have || st->ssrc != ssrc)
    return seq;
  roc = (guint32) (st->highest >> 16);
  s_l = st->highest & 0xffff;
  v = roc;
  if (s_l < 32768) {
    if ((int) seq - (int) s_l > 32768 && roc > 0)
      v = roc - 1;
  } else if ((int) s_l - 32768 > (int) seq) {
    v = roc + 1;
  }
  return (guint64) v << 16 | seq;
}

static gboolean
replay_ok (const IndexState * st, guint32 ssrc, guint64 index)
{
  guint64 delta;

  if (!st->have || st->ssrc != ssrc || index > st->highest)
    return TRUE;
  delta = st->highest - index;
  return delta < REPLAY_WINDOW && !(st->window & (G_GUINT64_CONSTANT (1) <<
          delta));
}

static void
index_commit (IndexState * st, guint32 ssrc, guint64 index)
{
  if (!st->have || st->ssrc != ssrc) {
    st->have = TRUE;
    st->ssrc = ssrc;
    st->highest = index;
    st->window = 1;
  } else if (index > st->highest) {
    guint64 shift = index - st->highest;
    st->window = shift >= REPLAY_WINDOW ? 1 : (st->window << shift) | 1;
    st->highest = index;
  } else {
    st->window |= G_GUINT64_CONSTANT (1) << (st->highest - index);
  }
}

/* AES-CM IV: salt XOR SSRC << 64 XOR index << 16 (RFC 3711 §4.1.1). */
static void
cm_iv (guint8 iv[16], const guint8 * salt, guint32 ssrc, guint64 index)
{
  memcpy (iv, salt, CM_SALT_LEN);
  iv[14] = iv[15] = 0;
  iv[4] ^= ssrc >> 24;
  iv[5] ^= ssrc >> 16;
  iv[6] ^= ssrc >> 8;
  iv[7] ^= ssrc;
  for (int i = 0; i < 6; i++)
    iv[13 - i] ^= (guint8) (index >> (8 * i));
}

static gboolean
cm_crypt (EVP_CIPHER_CTX * c, const guint8 iv[16], guint8 * data, gsize n)
{
  int outl = 0;

  if (EVP_EncryptInit_ex (c, NULL, NULL, NULL, iv) != 1)
    return FALSE;
  return n == 0 || EVP_EncryptUpdate (c, data, &outl, data, (int) n) == 1;
}

/* HMAC-SHA1 over @data (and the 4-byte @roc for SRTP), cut to 80 bits. */
static gboolean
hmac_80 (const SessionKeys * k, const guint8 * data, gsize n,
    const guint8 * roc, guint8 out[HMAC_TAG_LEN])
{
  guint8 inner[EVP_MAX_MD_SIZE], full[EVP_MAX_MD_SIZE];
  unsigned int inner_len = 0, full_len = 0;

  if (EVP_MD_CTX_copy_ex (k->hmac_work, k->hmac_inner) != 1
      || EVP_DigestUpdate (k->hmac_work, data, n) != 1
      || (roc != NULL && EVP_DigestUpdate (k->hmac_work, roc, 4) != 1)
      || EVP_DigestFinal_ex (k->hmac_work, inner, &inner_len) != 1
      || EVP_MD_CTX_copy_ex (k->hmac_work, k->hmac_outer) != 1
      || EVP_DigestUpdate (k->hmac_work, inner, inner_len) != 1
      || EVP_DigestFinal_ex (k->hmac_work, full, &full_len) != 1
      || full_len < HMAC_TAG_LEN)
    return FALSE;
  memcpy (out, full, HMAC_TAG_LEN);
  return TRUE;
}

/* GCM IV (RFC 7714 §8.1 and §9.1): the 12 bytes @fields XOR the salt. */
static void
gcm_iv (guint8 iv[12], const guint8 * salt, guint32 ssrc, guint32 hi,
    guint32 lo_16_or_index, gboolean rtcp)
{
  memset (iv, 0, 12);
  rc_icelite_write32 (iv + 2, ssrc);
  if (rtcp) {
    rc_icelite_write32 (iv + 8, lo_16_or_index);
  } else {
    rc_icelite_write32 (iv + 6, hi);
    iv[10] = lo_16_or_index >> 8;
    iv[11] = lo_16_or_index;
  }
  for (int i = 0; i < GCM_SALT_LEN; i++)
    iv[i] ^= salt[i];
}

static gboolean
gcm_seal (EVP_CIPHER_CTX * c, const guint8 iv[12], const guint8 * aad,
    gsize aad_len, const guint8 * aad2, gsize aad2_len, guint8 * data,
    gsize n, guint8 * tag)
{
  int outl = 0;

  return EVP_EncryptInit_ex (c, NULL, NULL, NULL, iv) == 1
      && EVP_EncryptUpdate (c, NULL, &outl, aad, (int) aad_len) == 1
      && (aad2_len == 0
      || EVP_EncryptUpdate (c, NULL, &outl, aad2, (int) aad2_len) == 1)
      && (n == 0 || EVP_EncryptUpdate (c, data, &outl, data, (int) n) == 1)
      && EVP_EncryptFinal_ex (c, data + n, &outl) == 1
      && EVP_CIPHER_CTX_ctrl (c, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN, tag) == 1;
}

static gboolean
gcm_open (EVP_CIPHER_CTX * c, const guint8 iv[12], const guint8 * aad,
    gsize aad_len, const guint8 * aad2, gsize aad2_len, guint8 * data,
    gsize n, guint8 * tag)
{
  int outl = 0;

  return EVP_DecryptInit_ex (c, NULL, NULL, NULL, iv) == 1
      && EVP_DecryptUpdate (c, NULL, &outl, aad, (int) aad_len) == 1
      && (aad2_len == 0
      || EVP_DecryptUpdate (c, NULL, &outl, aad2, (int) aad2_len) == 1)
      && (n == 0 || EVP_DecryptUpdate (c, data, &outl, data, (int) n) == 1)
      && EVP_CIPHER_CTX_ctrl (c, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN, tag) == 1
      && EVP_DecryptFinal_ex (c, data + n, &outl) == 1;
}

static inline gboolean
is_gcm (const RcSrtpContext * ctx)
{
  return ctx->profile == RC_SRTP_PROFILE_AEAD_AES_128_GCM;
}

gboolean
rc_srtp_context_protect_rtp (RcSrtpContext * ctx, guint8 * packet, gsize len,
    gsize max, gsize * out_len)
{
  gsize hlen, tag_len = is_gcm (ctx) ? GCM_TAG_LEN : HMAC_TAG_LEN;
  guint32 ssrc;
  guint16 seq;
  guint64 index;

  if (!rtp_header_length (packet, len, &hlen) || max < len + tag_len)
    return FALSE;
  ssrc = rc_icelite_read32 (packet + 8);
  seq = (guint16) (packet[2] << 8 | packet[3]);
  index = estimate_index (&ctx->rtp_tx, ssrc, seq);

  if (is_gcm (ctx)) {
    guint8 iv[12];
    gcm_iv (iv, ctx->rtp.salt, ssrc, (guint32) (index >> 16), seq, FALSE);
    if (!gcm_seal (ctx->rtp.enc, iv, packet, hlen, NULL, 0, packet + hlen,
            len - hlen, packet + len))
      return FALSE;
  } else {
    guint8 iv[16], roc[4];
    cm_iv (iv, ctx->rtp.salt, ssrc, index);
    rc_icelite_write32 (roc, (guint32) (index >> 16));
    if (!cm_crypt (ctx->rtp.enc, iv, packet + hlen, len - hlen)
        || !hmac_80 (&ctx->rtp, packet, len, roc, packet + len))
      return FALSE;
  }
  index_commit (&ctx->rtp_tx, ssrc, index);
  *out_len = len + tag_len;
  return TRUE;
}

gboolean
rc_srtp_context_unprotect_rtp (RcSrtpContext * ctx, guint8 * packet,
    gsize len, gsize * out_len)
{
  gsize hlen, tag_len = is_gcm (ctx) ? GCM_TAG_LEN : HMAC_TAG_LEN, plain_len;
  guint32 ssrc;
  guint16 seq;
  guint64 index;

  if (len < tag_len)
    return FALSE;
  plain_len = len - tag_len;
  if (!rtp_header_length (packet, plain_len, &hlen))
    return FALSE;
  ssrc = rc_icelite_read32 (packet + 8);
  seq = (guint16) (packet[2] << 8 | packet[3]);
  index = estimate_index (&ctx->rtp_rx, ssrc, seq);
  if (!replay_ok (&ctx->rtp_rx, ssrc, index))
    return FALSE;

  if (is_gcm (ctx)) {
    guint8 iv[12];
    gcm_iv (iv, ctx->rtp.salt, ssrc, (guint32) (index >> 16), seq, FALSE);
    if (!gcm_open (ctx->rtp.dec, iv, packet, hlen, NULL, 0, packet + hlen,
            plain_len - hlen, packet + plain_len))
      return FALSE;
  } else {
    guint8 iv[16], roc[4], tag[HMAC_TAG_LEN];
    rc_icelite_write32 (roc, (guint32) (index >> 16));
    if (!hmac_80 (&ctx->rtp, packet, plain_len, roc, tag)
        || CRYPTO_memcmp (tag, packet + plain_len, HMAC_TAG_LEN) != 0)
      return FALSE;
    cm_iv (iv, ctx->rtp.salt, ssrc, index);
    if (!cm_crypt (ctx->rtp.enc, iv, packet + hlen, plain_len - hlen))
      return FALSE;
  }
  index_commit (&ctx->rtp_rx, ssrc, index);
  *out_len = plain_len;
  return TRUE;
}

gboolean
rc_srtp_context_protect_rtcp (RcSrtpContext * ctx, guint8 * packet, gsize len,
    gsize max, gsize * out_len)
{
  gsize tag_len = is_gcm (ctx) ? GCM_TAG_LEN : HMAC_TAG_LEN;
  guint32 ssrc, index;
  guint8 e_index[SRTCP_INDEX_LEN];

  if (len < 8 || (packet[0] >> 6) != 2 || max < len + tag_len +
      SRTCP_INDEX_LEN)
    return FALSE;
  ssrc = rc_icelite_read32 (packet + 4);
  index = ctx->srtcp_tx_index;
  ctx->srtcp_tx_index = (ctx->srtcp_tx_index + 1) & 0x7fffffff;
  rc_icelite_write32 (e_index, 0x80000000u | index);

  if (is_gcm (ctx)) {
    /* header | ciphertext | tag | E+index (RFC 7714 §9) */
    guint8 iv[12];
    gcm_iv (iv, ctx->rtcp.salt, ssrc, 0, index, TRUE);
    if (!gcm_seal (ctx->rtcp.enc, iv, packet, 8, e_index, SRTCP_INDEX_LEN,
            packet + 8, len - 8, packet + len))
      return FALSE;
    memcpy (packet + len + GCM_TAG_LEN, e_index, SRTCP_INDEX_LEN);
  } else {
    /* header | ciphertext | E+index | tag (RFC 3711 §3.4) */
    guint8 iv[16];
    cm_iv (iv, ctx->rtcp.salt, ssrc, index);
    if (!cm_crypt (ctx->rtcp.enc, iv, packet + 8, len - 8))
      return FALSE;
    memcpy (packet + len, e_index, SRTCP_INDEX_LEN);
    if (!hmac_80 (&ctx->rtcp, packet, len + SRTCP_INDEX_LEN, NULL,
            packet + len + SRTCP_INDEX_LEN))
      return FALSE;
  }
  *out_len = len + tag_len + SRTCP_INDEX_LEN;
  return TRUE;
}

gboolean
rc_srtp_context_unprotect_rtcp (RcSrtpContext * ctx, guint8 * packet,
    gsize len, gsize * out_len)
{
  gsize tag_len = is_gcm (ctx) ? GCM_TAG_LEN : HMAC_TAG_LEN, plain_len;
  guint32 ssrc, e_index, index;

  if (len < 8 + tag_len + SRTCP_INDEX_LEN || (packet[0] >> 6) != 2)
    return FALSE;
  plain_len = len - tag_len - SRTCP_INDEX_LEN;
  ssrc = rc_icelite_read32 (packet + 4);

  if (is_gcm (ctx)) {
    guint8 iv[12];
    e_index = rc_icelite_read32 (packet + len - SRTCP_INDEX_LEN);
    index = e_index & 0x7fffffff;
    /* Unencrypted SRTCP (E = 0) is not used by browsers: refused. */
    if (!(e_index & 0x80000000u) || !replay_ok (&ctx->rtcp_rx, ssrc, index))
      return FALSE;
    gcm_iv (iv, ctx->rtcp.salt, ssrc, 0, index, TRUE);
    if (!gcm_open (ctx->rtcp.dec, iv, packet, 8, packet + len -
            SRTCP_INDEX_LEN, SRTCP_INDEX_LEN, packet + 8, plain_len - 8,
            packet + plain_len))
      return FALSE;
  } else {
    guint8 tag[HMAC_TAG_LEN];
    e_index = rc_icelite_read32 (packet + plain_len);
    index = e_index & 0x7fffffff;
    if (!replay_ok (&ctx->rtcp_rx, ssrc, index)
        || !hmac_80 (&ctx->rtcp, packet, plain_len + SRTCP_INDEX_LEN, NULL,
            tag)
        || CRYPTO_memcmp (tag, packet + plain_len + SRTCP_INDEX_LEN,
            HMAC_TAG_LEN) != 0)
      return FALSE;
    if (e_index & 0x80000000u) {
      guint8 iv[16];
      cm_iv (iv, ctx->rtcp.salt, ssrc, index);
      if (!cm_crypt (ctx->rtcp.enc, iv, packet + 8, plain_len - 8))
        return FALSE;
    }
  }
  index_commit (&ctx->rtcp_rx, ssrc, index);
  *out_len = plain_len;
  return TRUE;
}
