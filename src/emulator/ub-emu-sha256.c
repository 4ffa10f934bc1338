/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-emu-sha256.h"

#include <openssl/evp.h>

struct _UbEmuSha256 { EVP_MD_CTX *ctx; };

UbEmuSha256 *
ub_emu_sha256_new (void)
{
  UbEmuSha256 *self = g_new0 (UbEmuSha256, 1);

  self->ctx = EVP_MD_CTX_new ();
  if (self->ctx == NULL || EVP_DigestInit_ex (self->ctx, EVP_sha256 (), NULL) != 1)
    g_error ("emulator: libcrypto cannot hash with SHA-256");
  return self;
}

void
ub_emu_sha256_update (UbEmuSha256  *self,
                      const guint8 *data,
                      gsize         len)
{
  EVP_DigestUpdate (self->ctx, data, len);
}

char *
ub_emu_sha256_finish (UbEmuSha256 *self)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  GString *hex = g_string_sized_new (65);

  EVP_DigestFinal_ex (self->ctx, md, &n);
  for (unsigned int i = 0; i < n; i++)
    g_string_append_printf (hex, "%02x", md[i]);
  return g_string_free (hex, FALSE);
}

void
ub_emu_sha256_free (UbEmuSha256 *self)
{
  if (self == NULL)
    return;
  EVP_MD_CTX_free (self->ctx);
  g_free (self);
}
