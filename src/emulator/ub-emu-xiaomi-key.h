/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The emulator's stand-in for Xiaomi's signing key: a TEST RSA-2048 key pair
 * built into the emulator (never Xiaomi's). The fake update server signs
 * approval tokens with its private half; the emulated recovery checks them
 * with the public half, as a real recovery checks Xiaomi's.
 *
 * Token (what PkgRom.Validate carries, opaque to the host): base64 of the
 * RSA private-key operation with PKCS#1 v1.5 type-1 padding over
 *   {"sn":"SERIAL","version":"VERSION","zone":"ZONE"}{"SHA1":"40 hex"}
 * (two JSON objects side by side, as seen in real tokens). VERSION is the
 * version the phone ran when the approval was asked (the request's "v"),
 * so an approval is for that phone in that state.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *serial;
  char *version;
  char *zone;
  char *sha1;   /* lower-case hex */
} UbEmuToken;

void        ub_emu_token_free   (UbEmuToken *token);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbEmuToken, ub_emu_token_free)

/* The base64 token for these values. */
char       *ub_emu_token_sign   (const char  *serial,
                                 const char  *version,
                                 const char  *zone,
                                 const char  *sha1_hex,
                                 GError     **error);

/* Checks the signature and reads the values back; G_IO_ERROR_INVALID_DATA
 * for a token that is not base64, not signed by the test key, or not in
 * the format above. */
UbEmuToken *ub_emu_token_verify (const char  *token,
                                 GError     **error);

G_END_DECLS
