/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The encryption of Xiaomi's update server ("miotaV3"): AES-128-CBC with the
 * fixed key "miuiotavalided11" and IV "0102030405060708", PKCS#7 padding,
 * base64. libcrypto (OpenSSL) does the AES; GLib the base64.
 */

#include <glib.h>

G_BEGIN_DECLS

/* @plain (e.g. the request JSON) → base64 of its ciphertext. */
char   *ub_miota_encrypt (const char   *plain,
                          gsize         len);

/* base64 → plain text (NUL-terminated, @out_len without it). Bad base64,
 * a length that is not a whole number of blocks, bad padding, or more than
 * @max_len bytes give UB_ONLINE_ERROR_BAD_DATA. */
char   *ub_miota_decrypt (const char   *base64,
                          gsize         max_len,
                          gsize        *out_len,
                          GError      **error);

G_END_DECLS
