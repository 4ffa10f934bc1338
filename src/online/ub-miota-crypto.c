/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <openssl/evp.h>
#include <string.h>

#include "ub-miota-crypto.h"
#include "ub-update-server-private.h"
#include "ub-online-error.h"

/* Xiaomi's fixed values (every Mi Assistant tool uses them). */
static const guchar miota_key[16] = "miuiotavalided11";
static const guchar miota_iv[16] = "0102030405060708";

#define BLOCK 16

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)

char *
ub_miota_encrypt (const char *plain,
                  gsize       len)
{
  g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new ();
  g_autofree guchar *out = NULL;
  int n = 0, tail = 0;

  g_return_val_if_fail (plain != NULL || len == 0, NULL);
  g_return_val_if_fail (len < G_MAXINT - 2 * BLOCK, NULL);

  out = g_malloc (len + BLOCK);
  if (ctx == NULL
      || EVP_EncryptInit_ex (ctx, EVP_aes_128_cbc (), NULL, miota_key, miota_iv) != 1
      || EVP_EncryptUpdate (ctx, out, &n, (const guchar *) plain, (int) len) != 1
      || EVP_EncryptFinal_ex (ctx, out + n, &tail) != 1)
    g_error ("AES-128-CBC encryption failed in libcrypto");

  return g_base64_encode (out, (gsize) n + (gsize) tail);
}

static gboolean
is_base64_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/' || c == '=';
}

gpointer
ub_update_server_bad_answer (GError    **error,
                             const char *why)
{
  g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA,
               /* TRANSLATORS: %s: the technical reason, in English */
               _("Xiaomi’s update server sent an answer Unbrick cannot read (%s)."), why);
  return NULL;
}

char *
ub_miota_decrypt (const char  *base64,
                  gsize        max_len,
                  gsize       *out_len,
                  GError     **error)
{
  g_autoptr(EVP_CIPHER_CTX) ctx = NULL;
  g_autoptr(GString) clean = NULL;
  g_autofree guchar *cipher = NULL;
  g_autofree char *plain = NULL;
  gsize cipher_len = 0;
  int n = 0, tail = 0;

  g_return_val_if_fail (base64 != NULL, NULL);

  /* Whitespace around (and line breaks inside) the base64 is tolerated;
   * anything else that is not base64 is not. */
  clean = g_string_new (NULL);
  for (const char *p = base64; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p))
        continue;
      if (!is_base64_char (*p))
        return ub_update_server_bad_answer (error, "not base64");
      /* More than the ciphertext of @max_len bytes can be, with margin. */
      if (clean->len > (max_len / 3 + 2) * 4 + 64)
        return ub_update_server_bad_answer (error, "too long");
      g_string_append_c (clean, *p);
    }
  if (clean->len == 0 || clean->len % 4 != 0)
    return ub_update_server_bad_answer (error, "not base64");
  {
    /* '=' only as the last one or two characters */
    const char *eq = strchr (clean->str, '=');
    if (eq != NULL && (gsize) (eq - clean->str) < clean->len - 2)
      return ub_update_server_bad_answer (error, "not base64");
    if (eq != NULL && eq[1] != '\0' && eq[1] != '=')
      return ub_update_server_bad_answer (error, "not base64");
  }

  cipher = g_base64_decode (clean->str, &cipher_len);
  if (cipher_len == 0 || cipher_len % BLOCK != 0)
    return ub_update_server_bad_answer (error, "not a whole number of AES blocks");
  if (cipher_len - BLOCK > max_len || cipher_len > G_MAXINT - BLOCK)
    return ub_update_server_bad_answer (error, "too long");

  ctx = EVP_CIPHER_CTX_new ();
  plain = g_malloc (cipher_len + BLOCK + 1);
  if (ctx == NULL
      || EVP_DecryptInit_ex (ctx, EVP_aes_128_cbc (), NULL, miota_key, miota_iv) != 1
      || EVP_DecryptUpdate (ctx, (guchar *) plain, &n, cipher, (int) cipher_len) != 1)
    return ub_update_server_bad_answer (error, "decryption failed");
  if (EVP_DecryptFinal_ex (ctx, (guchar *) plain + n, &tail) != 1)
    return ub_update_server_bad_answer (error, "bad padding");
  if ((gsize) n + (gsize) tail > max_len)
    return ub_update_server_bad_answer (error, "too long");

  plain[n + tail] = '\0';
  if (out_len != NULL)
    *out_len = (gsize) n + (gsize) tail;
  return g_steal_pointer (&plain);
}
