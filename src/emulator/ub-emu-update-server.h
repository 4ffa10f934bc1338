/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * A fake of Xiaomi's update server for tests and the demo: an in-process
 * SoupServer on 127.0.0.1 (own thread) answering POST /updates/miotaV3.php
 * with the miotaV3 encryption (AES-128-CBC, key "miuiotavalided11", IV
 * "0102030405060708", PKCS#7, base64; written here independently of
 * src/online). It decrypts the request, and answers:
 *  - pkg "": the ROMs added for the request's device (d) as CurrentRom (the
 *    one whose version equals the request's v) and LatestRom (the newest);
 *  - pkg = an added ROM's MD5, for that device and zone: PkgRom with md5,
 *    filename, version, Erase and Validate = ub_emu_token_sign (sn, v (the
 *    version the phone runs, from the request), zone, the ROM's SHA-1);
 *  - otherwise, or when set_refusal() was called: Code {code, message}
 *    without PkgRom.
 */

#include <glib-object.h>

G_BEGIN_DECLS

#define UB_TYPE_EMU_UPDATE_SERVER (ub_emu_update_server_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuUpdateServer, ub_emu_update_server, UB, EMU_UPDATE_SERVER, GObject)

UbEmuUpdateServer *ub_emu_update_server_new     (void);

/* A recovery ROM for @device; @md5_hex/@sha1_hex describe the file. */
void        ub_emu_update_server_add_rom        (UbEmuUpdateServer *self,
                                                 const char        *device,
                                                 const char        *filename,
                                                 const char        *version,
                                                 const char        *codebase,
                                                 const char        *md5_hex,
                                                 const char        *sha1_hex,
                                                 guint64            size,
                                                 gboolean           erase);
/* Refuse every approval with this Code.message (NULL: stop refusing). */
void        ub_emu_update_server_set_refusal    (UbEmuUpdateServer *self,
                                                 const char        *message);
/* Answer with garbage (not decryptable) when TRUE. */
void        ub_emu_update_server_set_garbage    (UbEmuUpdateServer *self,
                                                 gboolean           garbage);

gboolean    ub_emu_update_server_start          (UbEmuUpdateServer *self,
                                                 GError           **error);
/* "http://127.0.0.1:PORT" (what UNBRICK_UPDATE_SERVER takes). */
const char *ub_emu_update_server_get_url        (UbEmuUpdateServer *self);
void        ub_emu_update_server_stop           (UbEmuUpdateServer *self);

/* Requests answered so far, and the last decrypted request JSON. */
guint       ub_emu_update_server_get_requests   (UbEmuUpdateServer *self);
char       *ub_emu_update_server_dup_last_request (UbEmuUpdateServer *self);

G_END_DECLS
