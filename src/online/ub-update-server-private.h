/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The parsers of the update server's decrypted answer, on text, for the
 * tests and the fuzz target "update-server-json".
 */

#include "ub-update-server.h"

G_BEGIN_DECLS

/* Largest answer accepted (encrypted and decrypted). */
#define UB_UPDATE_SERVER_MAX_ANSWER (1024 * 1024)

/* The ROM list of a decrypted answer (see ub_update_server_list_roms()). */
GPtrArray     *ub_update_server_parse_roms     (const char  *json,
                                                gsize        len,
                                                GError     **error);
/* The approval in a decrypted answer for the package @md5 asked about. */
UbRomApproval *ub_update_server_parse_approval (const char  *json,
                                                gsize        len,
                                                const char  *md5,
                                                GError     **error);

/* Sets BAD_DATA: "Xiaomi’s update server sent an answer Unbrick cannot read
 * (@why)." (@why: a technical reason in English). Returns NULL. */
gpointer       ub_update_server_bad_answer     (GError     **error,
                                                const char  *why);

G_END_DECLS
