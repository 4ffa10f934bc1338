/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-transport.h"

G_BEGIN_DECLS

/* adb's TCP port (adb connect HOST defaults to it). */
#define UB_ADB_TCP_DEFAULT_PORT 5555

#define UB_TYPE_ADB_TCP_TRANSPORT (ub_adb_tcp_transport_get_type ())
G_DECLARE_FINAL_TYPE (UbAdbTcpTransport, ub_adb_tcp_transport, UB, ADB_TCP_TRANSPORT, GObject)

/*
 * A plain byte stream to "HOST[:PORT]" (also "tcp:HOST[:PORT]", "[v6]:PORT"),
 * default port 5555: adb's TCP transport has no framing of its own. read()
 * returns what has arrived (at most @len bytes), write() sends all bytes.
 * Errors as UbTcpTransport's (UB_FASTBOOT_ERROR NOT_FOUND, NO_DEVICE when the
 * peer closed, TIMEOUT).
 */
UbTransport *ub_adb_tcp_transport_connect (const char    *address,
                                           guint          timeout_ms,
                                           GCancellable  *cancellable,
                                           GError       **error);

G_END_DECLS
