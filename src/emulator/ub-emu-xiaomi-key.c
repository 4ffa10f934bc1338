/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The emulator's TEST signing key for Mi Assistant approval tokens, and the
 * token's sign/verify. Generated for Unbrick's tests with
 * `openssl genrsa 2048`; it has nothing to do with Xiaomi's key and signs
 * nothing outside the emulator.
 */
#include "config.h"

#include <gio/gio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "ub-emu-xiaomi-key.h"

static const char test_key_pem[] =
  "-----BEGIN PRIVATE KEY-----\n"
  "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCuHuMlC8xLklZ0\n"
  "Ue5yKKxjjmZpqkx8DzJa5g6lxx+vXS6qEwEvzDMK9zj7o6NwMjy24GDwUzqn/Z0Y\n"
  "f9clHHhhsi2/UNSrlgxbu+jXyraUmBGcC80B9UxWF10WHPWieMW564bKpPZWHinR\n"
  "GgK/6NGuLBOKrr4IvgctyMe/6JBbHMsY665mrmAFb7D2uPrPE28LDXRh81usSnki\n"
  "RR9BWYOpQguS26tMfmNg+OxSUmpD/h5V7OO7YOOL3+2ucr92Z60Mp8+zRL1u7pkm\n"
  "tysQOod9Mhghrdb41uIob2Or68I4nmhYQRib9BigOdX9gQooqcDPLjm57fTK5fWQ\n"
  "PMmVAzfdAgMBAAECggEAEyiM36ejq/EHGDdnoCH/jdi+RgQZ9FCLvtqvY+g8AUSk\n"
  "fMwohkTWnO9E0tNXiWHNsmWP5QGTY6aRIX/3gTrXuBAt3m4baGHTLEjJvuysGD9/\n"
  "OIdH4F5ILvTVJji7gkv9nY5fv25VOHaLLVnKUalhYOOypsDBYh7elVgROnlxYMTk\n"
  "Xo9hy/NrDDK56zSxDbRMk+iVX+9OR1olr5zHASpa/UFMseId6kFBOZBifGA/7JPl\n"
  "pJXRG/iJri3MbjN97pKja5kugGwQL2zA0ZBi5SklYbz7QHLPjSoTXv24sGnmytA+\n"
  "09iIzApk2ciAWeVrtIR+SRy+p4uyIaxrih7/zQfugQKBgQDypRKUZD3XSRuXZ+Fg\n"
  "C3oUTs751FiYIeJ2cSh18HcW0zTMbytVTNQZQ/dj8TodmWH1FKnOyLs/rjHzOxGO\n"
  "FqYKCd0WxhwxAO578CHElN/BOGxAa5ZY5s1CU39+4TkN5uV4feGJxIj+P5n3wgZ5\n"
  "0uFEkOLqj04yeeL/Qkvb2L8XIQKBgQC3tEqxckLYDyk+301RVVHGFX0Xzjpw8PRY\n"
  "iuVmQYj96ImlINHkT249X/CYyhTqjAOjwLsfZIw7yT/U4+vtYwCUsgpfZ/kPzYBM\n"
  "/JpIf9OH3Icu4yQGQSAmD1VeKn7CNdo/+evNBPW0O949OEGZLVcQy3tZznxXFuBX\n"
  "PUWaIPUVPQKBgQDO4DbLFfwzxT0lBYh+Hsri7Z5CGu2+J4WxfiEFDRQ7/a8SbeYA\n"
  "QBTFxdDzAQSPn+qIzilJCJO9Y4Nq4X3CK0U9YdOCSz5V+Xlbag0gUd3EG5sQAaqZ\n"
  "+Y4fcplNUDEYzTfwV0Mn9szmGMvpFR/4VfeCQhV17uC44HrNL3UF5/JkgQKBgBQy\n"
  "MQgDHNAuEoXD/PcVHzFcyWzlkk06YFKfqoqsZ8gqWX+a9RhZlzAOLSBPDy+eBwRo\n"
  "uum/nx8vh+H60MQ/Xx/51uQYRSx0lkdgegHAc9v65a3E8P/zBvrIMsVwfJETZJQm\n"
  "AMOAaRbQgiVO2v9hGbJR/JSp+8eDT1Sn+s/wEaGtAoGBAOGwFGnWet0f4jw+FrCQ\n"
  "1LoCcUcQ/puP2NhGHHJMZDVpkjDc+MaQ5uP9/3jS5Aw77ANSRgSOzlE3rGw4A2GK\n"
  "lvK4Wl1LAt0jbe4qkjysDi+SFyeY5H1REbPLpaqxkz9FZ2hOvpzRZ/kWgVJClbJM\n"
  "T09NjEBKKjCEtwqFVS6twnCb\n"
  "-----END PRIVATE KEY-----\n"
  ;

/* Longest payload PKCS#1 v1.5 type 1 fits in a 2048-bit key. */
#define MAX_PAYLOAD (256 - 11)

static EVP_PKEY *
load_key (void)
{
  static EVP_PKEY *key;
  static gsize once;

  if (g_once_init_enter (&once))
    {
      BIO *bio = BIO_new_mem_buf (test_key_pem, -1);

      key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
      BIO_free (bio);
      g_assert (key != NULL);
      g_once_init_leave (&once, 1);
    }
  return key;
}

void
ub_emu_token_free (UbEmuToken *token)
{
  if (token == NULL)
    return;
  g_free (token->serial);
  g_free (token->version);
  g_free (token->zone);
  g_free (token->sha1);
  g_free (token);
}

static gboolean
is_plain (const char *s)
{
  for (; s != NULL && *s != '\0'; s++)
    if (*s == '"' || *s == '\\' || (guchar) *s < 0x20)
      return FALSE;
  return s != NULL;
}

char *
ub_emu_token_sign (const char  *serial,
                   const char  *version,
                   const char  *zone,
                   const char  *sha1_hex,
                   GError     **error)
{
  g_autofree char *payload = NULL;
  guint8 sig[512];
  size_t sig_len = sizeof sig;
  EVP_PKEY_CTX *ctx;
  gboolean ok;

  if (!is_plain (serial) || !is_plain (version) || !is_plain (zone) || !is_plain (sha1_hex))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Token values must be plain text");
      return NULL;
    }
  payload = g_strdup_printf ("{\"sn\":\"%s\",\"version\":\"%s\",\"zone\":\"%s\"}{\"SHA1\":\"%s\"}",
                             serial, version, zone, sha1_hex);
  if (strlen (payload) > MAX_PAYLOAD)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Token values are too long");
      return NULL;
    }

  ctx = EVP_PKEY_CTX_new (load_key (), NULL);
  ok = ctx != NULL &&
       EVP_PKEY_sign_init (ctx) > 0 &&
       EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) > 0 &&
       EVP_PKEY_sign (ctx, sig, &sig_len, (const guint8 *) payload, strlen (payload)) > 0;
  EVP_PKEY_CTX_free (ctx);
  if (!ok)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not sign the token");
      return NULL;
    }
  return g_base64_encode (sig, sig_len);
}

/* The value of "key":"…" in @text, or NULL. */
static char *
find_value (const char *text,
            const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\"%s\":\"", key);
  const char *start = strstr (text, needle);
  const char *end;

  if (start == NULL)
    return NULL;
  start += strlen (needle);
  end = strchr (start, '"');
  if (end == NULL)
    return NULL;
  return g_strndup (start, end - start);
}

UbEmuToken *
ub_emu_token_verify (const char  *token,
                     GError     **error)
{
  g_autoptr(UbEmuToken) result = g_new0 (UbEmuToken, 1);
  g_autofree guint8 *sig = NULL;
  g_autofree char *text = NULL;
  guint8 payload[512];
  size_t payload_len = sizeof payload;
  gsize sig_len = 0;
  EVP_PKEY_CTX *ctx;
  gboolean ok;

  if (token == NULL || *token == '\0' || strspn (token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != strlen (token))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The token is not base64");
      return NULL;
    }
  sig = g_base64_decode (token, &sig_len);
  ctx = EVP_PKEY_CTX_new (load_key (), NULL);
  ok = ctx != NULL && sig_len == 256 &&
       EVP_PKEY_verify_recover_init (ctx) > 0 &&
       EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) > 0 &&
       EVP_PKEY_verify_recover (ctx, payload, &payload_len, sig, sig_len) > 0;
  EVP_PKEY_CTX_free (ctx);
  if (!ok)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The token is not signed by the update server");
      return NULL;
    }
  text = g_strndup ((const char *) payload, payload_len);
  result->serial = find_value (text, "sn");
  result->version = find_value (text, "version");
  result->zone = find_value (text, "zone");
  result->sha1 = find_value (text, "SHA1");
  if (result->serial == NULL || result->version == NULL || result->zone == NULL ||
      result->sha1 == NULL || strstr (text, "}{") == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The token's contents are not in the expected format");
      return NULL;
    }
  return g_steal_pointer (&result);
}
