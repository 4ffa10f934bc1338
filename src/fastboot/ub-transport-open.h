/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-transport.h"

G_BEGIN_DECLS

/*
 * Opens a device by address, like AOSP's -s: "tcp:HOST[:PORT]" for the TCP
 * transport; "usb:BUS-PORT.PORT" or a serial number for USB; NULL for the
 * only fastboot device on USB.
 */
UbTransport *ub_transport_open (const char    *address,
                                GCancellable  *cancellable,
                                GError       **error);

G_END_DECLS
