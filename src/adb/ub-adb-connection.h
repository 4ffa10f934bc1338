/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * An adb host connection over a UbTransport (USB bulk ff/42/01, or adb's TCP
 * framing = the same messages on a byte stream). Header and payload are
 * written as separate transport writes, as AOSP's host does. Streams
 * (OPEN/OKAY/WRTE/CLSE) have local ids from 1 and honour flow control: a
 * WRTE is sent only after the device's OKAY for the previous one, and every
 * WRTE received is answered with OKAY. Packets for a stream not being waited
 * on are queued (bounded). Not thread-safe: one thread at a time.
 */

#include <gio/gio.h>

#include "ub-adb-message.h"
#include "ub-transport.h"

G_BEGIN_DECLS

#define UB_TYPE_ADB_CONNECTION (ub_adb_connection_get_type ())
G_DECLARE_FINAL_TYPE (UbAdbConnection, ub_adb_connection, UB, ADB_CONNECTION, GObject)

/* Takes a reference on @transport; closes it when finalized. */
UbAdbConnection *ub_adb_connection_new              (UbTransport      *transport);

UbTransport     *ub_adb_connection_get_transport    (UbAdbConnection  *self);

/* Sends CNXN (version 0x01000001, max payload 1 MiB, "host::") and waits
 * for the device's CNXN. AUTH → UB_ADB_ERROR_AUTH_REQUIRED. */
gboolean         ub_adb_connection_connect          (UbAdbConnection  *self,
                                                     guint             timeout_ms,
                                                     GCancellable     *cancellable,
                                                     GError          **error);

/* The device's banner ("sideload::" …), its kind, version, and the payload
 * limit in use (the smaller of the two sides'). Valid after connect(). */
const char      *ub_adb_connection_get_banner       (UbAdbConnection  *self);
UbAdbBannerKind  ub_adb_connection_get_banner_kind  (UbAdbConnection  *self);
guint32          ub_adb_connection_get_version      (UbAdbConnection  *self);
guint32          ub_adb_connection_get_max_payload  (UbAdbConnection  *self);

/* Opens a stream to @service (sent NUL-terminated) and waits for the
 * device's OKAY. Returns the local id (> 0), 0 with an error (CLSE →
 * UB_ADB_ERROR_REFUSED). */
guint32          ub_adb_connection_open             (UbAdbConnection  *self,
                                                     const char       *service,
                                                     guint             timeout_ms,
                                                     GCancellable     *cancellable,
                                                     GError          **error);

/* The next WRTE payload the device sent on the stream (answered with OKAY).
 * When the device closes the stream: NULL with UB_ADB_ERROR_CLOSED. */
GBytes          *ub_adb_connection_read             (UbAdbConnection  *self,
                                                     guint32           local_id,
                                                     guint             timeout_ms,
                                                     GCancellable     *cancellable,
                                                     GError          **error);

/* Sends @len bytes as WRTE packets of at most get_max_payload() bytes, each
 * after the device's OKAY for the previous one. Returns once the device has
 * acknowledged the last one. */
gboolean         ub_adb_connection_write            (UbAdbConnection  *self,
                                                     guint32           local_id,
                                                     const guint8     *buf,
                                                     gsize             len,
                                                     guint             timeout_ms,
                                                     GCancellable     *cancellable,
                                                     GError          **error);

/* Sends CLSE for the stream (once; harmless when the device closed it). */
void             ub_adb_connection_close_stream     (UbAdbConnection  *self,
                                                     guint32           local_id);

/* Opens @service, collects everything the device writes until it closes the
 * stream (at most @max_bytes: more is UB_ADB_ERROR_PROTOCOL), and returns it.
 * The Mi Assistant "getdevice:"-style services. */
GBytes          *ub_adb_connection_run_service      (UbAdbConnection  *self,
                                                     const char       *service,
                                                     gsize             max_bytes,
                                                     guint             timeout_ms,
                                                     GCancellable     *cancellable,
                                                     GError          **error);

void             ub_adb_connection_close            (UbAdbConnection  *self);

G_END_DECLS
