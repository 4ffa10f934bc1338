/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-transport.h"

G_BEGIN_DECLS

/*
 * A scripted in-memory transport for protocol unit tests: each expected
 * host packet is paired with the device packets it triggers. Reads with
 * nothing queued fail with UB_FASTBOOT_ERROR_TIMEOUT at once.
 */
#define UB_TYPE_SCRIPT_TRANSPORT (ub_script_transport_get_type ())
G_DECLARE_FINAL_TYPE (UbScriptTransport, ub_script_transport, UB, SCRIPT_TRANSPORT, GObject)

UbScriptTransport *ub_script_transport_new       (void);
/* Expect @command (exact) and answer with the NULL-terminated @responses. */
void               ub_script_transport_expect    (UbScriptTransport *self,
                                                  const char        *command,
                                                  ...) G_GNUC_NULL_TERMINATED;
/* Expect @size raw data bytes (any split), then answer @responses. */
void               ub_script_transport_expect_data (UbScriptTransport *self,
                                                    guint64            size,
                                                    ...) G_GNUC_NULL_TERMINATED;
/* Every host packet seen so far, data phases summarised as "<data N>". */
GPtrArray         *ub_script_transport_get_log   (UbScriptTransport *self);
/* TRUE when every expectation was met. */
gboolean           ub_script_transport_is_done   (UbScriptTransport *self);
/* SHA-256 of all data bytes received. */
char              *ub_script_transport_get_data_checksum (UbScriptTransport *self);

G_END_DECLS
