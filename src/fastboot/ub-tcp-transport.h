/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-transport.h"

G_BEGIN_DECLS

#define UB_TCP_TRANSPORT_DEFAULT_PORT 5554

#define UB_TYPE_TCP_TRANSPORT (ub_tcp_transport_get_type ())
G_DECLARE_FINAL_TYPE (UbTcpTransport, ub_tcp_transport, UB, TCP_TRANSPORT, GObject)

/*
 * Connects to a fastboot device over TCP (protocol v1: "FB01" handshake,
 * then frames of an 8-byte big-endian length and the payload).
 * @address: "HOST", "HOST:PORT" or "[V6ADDR]:PORT"; the port defaults to 5554.
 */
UbTransport *ub_tcp_transport_connect (const char    *address,
                                       guint          timeout_ms,
                                       GCancellable  *cancellable,
                                       GError       **error);

G_END_DECLS
