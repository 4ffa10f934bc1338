/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Internal to src/fastboot: the USB probe (ub-usb-probe.c), shared by
 * UbUsbTransport and UbDeviceMonitor. */

#include <libusb.h>

#include "ub-usb-device-info.h"
#include "ub-usb-transport.h"

G_BEGIN_DECLS

/* What probing one libusb device found. */
typedef struct {
  UbUsbDeviceKind kind;
  char *name;              /* sysfs name "1-4.2" */
  char *path;              /* "usb:1-4.2" */
  char *serial;
  char *interface_name;
  guint16 vendor_id;
  guint16 product_id;
  guint8 iserial;
  guint8 config_value;
  int interface_number;
  guint8 ep_in;
  guint8 ep_out;
  guint16 max_packet_in;
  guint16 max_packet_out;
} UbUsbProbe;

/* Fills @p for the devices Unbrick lists (fastboot, adb, EDL, BROM), the
 * serial from sysfs; FALSE (and @p empty) for everything else. */
gboolean         ub_usb_probe_device      (libusb_device        *dev,
                                           UbUsbProbe           *p);
void             ub_usb_probe_clear       (UbUsbProbe           *p);
/* The serial from the string descriptor when sysfs had none. */
void             ub_usb_probe_read_serial (UbUsbProbe           *p,
                                           libusb_device_handle *handle);

/* Paths ("usb:1-4") of the devices this process has open (counted), so that
 * classifying does not report our own open phones as busy. A transport
 * registers a path before it claims the interface. */
void             ub_usb_open_paths_add      (const char *path);
void             ub_usb_open_paths_remove   (const char *path);
gboolean         ub_usb_open_paths_contains (const char *path);

/*
 * Classifies @dev (from any libusb context) like
 * ub_usb_transport_list_devices(): NULL when it is not a device we list
 * (fastboot, adb, EDL, BROM) or it vanished meanwhile. May open the device
 * briefly (never claims it) to read the serial and check access, so it must
 * not run inside a libusb hotplug callback.
 */
UbUsbDeviceInfo *ub_usb_classify_device (libusb_device *dev);

/* For benchmarks and tests only; clamped to [UB_USB_MIN_TRANSFER_SIZE,
 * UB_USB_TRANSFER_SIZE]. */
void             ub_usb_transport_set_transfer_size (UbUsbTransport *self,
                                                     gsize           size);

G_END_DECLS
