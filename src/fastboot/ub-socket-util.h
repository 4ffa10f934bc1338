/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the TCP transports share (fastboot's UbTcpTransport and adb's
 * UbAdbTcpTransport): connecting, waiting with a timeout, and GIO errors
 * mapped to UB_FASTBOOT_ERROR with the message kept.
 */

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Connects to @host ("HOST[:PORT]", "[v6]:PORT") with @default_port: the
 * socket is non-blocking, TCP_NODELAY, with no timeout of its own (waits
 * use ub_socket_wait()). Errors: INVALID_ARGUMENT for an address that does
 * not parse, NOT_FOUND when nothing answers, TIMEOUT, or G_IO_ERROR_CANCELLED.
 */
GSocketConnection *ub_socket_connect            (const char    *host,
                                                 guint16        default_port,
                                                 guint          timeout_ms,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

/* Waits until @condition, or fails with TIMEOUT after @timeout_ms (0: forever);
 * the message says the phone did not answer (G_IO_IN) or stopped accepting
 * data (G_IO_OUT). */
gboolean           ub_socket_wait               (GSocket       *socket,
                                                 GIOCondition   condition,
                                                 guint          timeout_ms,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

/* Sends all of @vectors (advanced in place as they go out), waiting at most
 * @stall_timeout_ms (0: forever) whenever the socket buffer stays full. */
gboolean           ub_socket_send_all           (GSocket       *socket,
                                                 GOutputVector *vectors,
                                                 guint          n_vectors,
                                                 guint          stall_timeout_ms,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

/* One receive of at most @len bytes (> 0), waiting at most @timeout_ms (0:
 * forever) for something to arrive. The peer closing is NO_DEVICE ("The
 * device closed the connection"). Returns the bytes read, or -1. */
gssize             ub_socket_receive            (GSocket       *socket,
                                                 guint8        *buf,
                                                 gsize          len,
                                                 guint          timeout_ms,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

/* Maps @io_error (taken) into @error: cancelled stays as it is; timed out →
 * TIMEOUT; closed, broken pipe, refused → NO_DEVICE; else IO. The message is
 * "@what: the system's reason". */
void               ub_socket_propagate_io_error (GError       **error,
                                                 GError        *io_error,
                                                 const char    *what);

G_END_DECLS
