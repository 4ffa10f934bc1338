/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-emu-phone.h"

G_BEGIN_DECLS

/*
 * Serves an emulated phone over fastboot's TCP transport (protocol v1:
 * "FB01" handshake, then frames of an 8-byte big-endian length plus
 * payload) on 127.0.0.1. One thread and one UbEmuSession per connection.
 * Usable in-process; start/stop from any thread.
 */

#define UB_EMU_TCP_DEFAULT_PORT 5554

#define UB_TYPE_EMU_TCP_SERVER (ub_emu_tcp_server_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuTcpServer, ub_emu_tcp_server, UB, EMU_TCP_SERVER, GObject)

UbEmuTcpServer *ub_emu_tcp_server_new      (UbEmuPhone     *phone);
/* @port: 0 picks a free port; see ub_emu_tcp_server_get_port(). */
gboolean        ub_emu_tcp_server_start    (UbEmuTcpServer *self,
                                            guint16         port,
                                            GError        **error);
guint16         ub_emu_tcp_server_get_port (UbEmuTcpServer *self);
/* Closes the listener and every connection (stalled ones included) and
 * waits for their threads. Idempotent; also done on finalize. */
void            ub_emu_tcp_server_stop     (UbEmuTcpServer *self);

G_END_DECLS
