/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-transport.h"
#include "ub-usb-device-info.h"

G_BEGIN_DECLS

/*
 * Fastboot over USB with libusb-1.0 (one process-wide libusb context, shared
 * by every transport; several transports may do I/O from several threads at
 * once). Calls on one transport must not overlap (one thread at a time);
 * ub_transport_close() must not run concurrently with I/O on it.
 *
 * Devices are matched by interface class/subclass/protocol ff/42/03 only,
 * never by vendor ID.
 *
 * Timeouts: a write fails with UB_FASTBOOT_ERROR_TIMEOUT when no bulk
 * transfer completed for stall_timeout_ms; a read when nothing arrived within
 * timeout_ms. 0 means no limit. Cancelling fails with G_IO_ERROR_CANCELLED
 * once every transfer was reaped. A read returns at most 1 MiB.
 */

#define UB_TYPE_USB_TRANSPORT (ub_usb_transport_get_type ())
G_DECLARE_FINAL_TYPE (UbUsbTransport, ub_usb_transport, UB, USB_TRANSPORT, GObject)

/* Bulk OUT transfer size and how many are kept in flight. */
#define UB_USB_TRANSFER_SIZE        (1024 * 1024)
#define UB_USB_MIN_TRANSFER_SIZE    (16 * 1024)
#define UB_USB_TRANSFERS_IN_FLIGHT  4
/* Smallest bulk IN transfer used for responses (rounded up to wMaxPacketSize). */
#define UB_USB_MIN_READ_SIZE        512

/*
 * Every fastboot device, plus adb (ff/42/01), Qualcomm EDL (05c6:9008) and
 * MediaTek BROM (0e8d:0003) devices for diagnosis, sorted by path.
 * Returns: (element-type UbUsbDeviceInfo) (transfer full), NULL on error
 * (libusb could not be initialised).
 */
GPtrArray      *ub_usb_transport_list_devices     (GError        **error);

/*
 * Open the fastboot device whose serial number or path ("usb:1-4.2" or
 * "1-4.2") is @serial_or_path; NULL means "the only fastboot device".
 * Claims the interface and drains stale responses.
 * Errors: UB_FASTBOOT_ERROR_NOT_FOUND (no match),
 * UB_FASTBOOT_ERROR_INVALID_ARGUMENT (NULL with several devices),
 * PERMISSION, BUSY, NO_DEVICE, IO.
 */
UbTransport    *ub_usb_transport_open             (const char     *serial_or_path,
                                                   GError        **error);

/*
 * Poll (every 250 ms) until ub_usb_transport_open() succeeds for
 * @serial_or_path or @timeout_ms passes (0: no limit), e.g. after a reboot
 * to the bootloader. Errors other than NOT_FOUND/NO_DEVICE end the wait
 * early. On timeout the last open error is returned.
 */
UbTransport    *ub_usb_transport_wait_open        (const char     *serial_or_path,
                                                   guint           timeout_ms,
                                                   GCancellable   *cancellable,
                                                   GError        **error);

/*
 * Wait until the device of @self left the bus (the transport is closed
 * first), at most @timeout_ms. Returns FALSE on timeout (no error set).
 */
gboolean        ub_usb_transport_wait_for_disconnect (UbUsbTransport *self,
                                                      guint           timeout_ms);

/*
 * The same for an adb interface ff/42/01 (a phone in recovery, e.g. Mi
 * Assistant mode): NULL takes the only adb device. A write whose length is a
 * multiple of the OUT endpoint's wMaxPacketSize ends with a zero-length
 * packet, as AOSP's adb host sends them; reads are one bulk IN transfer.
 */
UbTransport    *ub_usb_transport_open_adb         (const char     *serial_or_path,
                                                   GError        **error);

const char     *ub_usb_transport_get_serial       (UbUsbTransport *self);
/* "usb:B-P1.P2…" */
const char     *ub_usb_transport_get_path         (UbUsbTransport *self);
guint16         ub_usb_transport_get_vendor_id    (UbUsbTransport *self);
guint16         ub_usb_transport_get_product_id   (UbUsbTransport *self);
/* Current bulk OUT transfer size (shrinks after LIBUSB_ERROR_NO_MEM). */
gsize           ub_usb_transport_get_transfer_size (UbUsbTransport *self);

G_END_DECLS
