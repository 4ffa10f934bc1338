/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define UB_TYPE_TRANSPORT (ub_transport_get_type ())
G_DECLARE_INTERFACE (UbTransport, ub_transport, UB, TRANSPORT, GObject)

/* Largest response packet the protocol allows. */
#define UB_TRANSPORT_MAX_PACKET 256

/**
 * UbTransportProgressFunc:
 * Called on the writing thread after each piece of a stream went out.
 * @done: bytes written so far for this stream
 */
typedef void (*UbTransportProgressFunc) (guint64  done,
                                         gpointer user_data);

/**
 * UbTransportInterface:
 * @write: send @len bytes as one logical message (a command, or part of a
 *   data phase). Blocks until everything was accepted. Fails with
 *   UB_FASTBOOT_ERROR_TIMEOUT when no byte moved for @stall_timeout_ms.
 *   Never sends a zero-length packet.
 * @read: receive one packet (response) of at most @len bytes. Fails with
 *   UB_FASTBOOT_ERROR_TIMEOUT after @timeout_ms without data.
 * @write_stream: optional; send exactly @size bytes read from @stream, as
 *   the data phase of a download. The default implementation reads into a
 *   bounded buffer and calls @write; transports that can keep several
 *   transfers in flight override it.
 * @close: release the device; further calls fail with NO_DEVICE.
 * @describe: human readable address ("usb:1-4", "tcp:127.0.0.1:5554").
 */
struct _UbTransportInterface
{
  GTypeInterface parent_iface;

  gboolean     (*write)        (UbTransport   *self,
                                const guint8  *buf,
                                gsize          len,
                                guint          stall_timeout_ms,
                                GCancellable  *cancellable,
                                GError       **error);
  gssize       (*read)         (UbTransport   *self,
                                guint8        *buf,
                                gsize          len,
                                guint          timeout_ms,
                                GCancellable  *cancellable,
                                GError       **error);
  gboolean     (*write_stream) (UbTransport            *self,
                                GInputStream           *stream,
                                guint64                 size,
                                guint                   stall_timeout_ms,
                                UbTransportProgressFunc progress,
                                gpointer                progress_data,
                                GCancellable           *cancellable,
                                GError                **error);
  void         (*close)        (UbTransport   *self);
  const char * (*describe)     (UbTransport   *self);
};

gboolean     ub_transport_write        (UbTransport   *self,
                                        const guint8  *buf,
                                        gsize          len,
                                        guint          stall_timeout_ms,
                                        GCancellable  *cancellable,
                                        GError       **error);
gssize       ub_transport_read         (UbTransport   *self,
                                        guint8        *buf,
                                        gsize          len,
                                        guint          timeout_ms,
                                        GCancellable  *cancellable,
                                        GError       **error);
gboolean     ub_transport_write_stream (UbTransport            *self,
                                        GInputStream           *stream,
                                        guint64                 size,
                                        guint                   stall_timeout_ms,
                                        UbTransportProgressFunc progress,
                                        gpointer                progress_data,
                                        GCancellable           *cancellable,
                                        GError                **error);
void         ub_transport_close        (UbTransport   *self);
const char  *ub_transport_describe     (UbTransport   *self);

/* Size of the bounded buffer the default write_stream uses. */
#define UB_TRANSPORT_STREAM_CHUNK (1024 * 1024)

G_END_DECLS
