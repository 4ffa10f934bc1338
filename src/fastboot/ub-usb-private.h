/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Internal to src/fastboot: shared by UbUsbTransport and UbDeviceMonitor. */

#include <libusb.h>

#include "ub-usb-device-info.h"

G_BEGIN_DECLS

/*
 * Classifies @dev (from any libusb context) like
 * ub_usb_transport_list_devices(): NULL when it is not a device we list
 * (fastboot, adb, EDL, BROM) or it vanished meanwhile. May open the device
 * briefly (never claims it) to read the serial and check access, so it must
 * not run inside a libusb hotplug callback.
 */
UbUsbDeviceInfo *ub_usb_classify_device (libusb_device *dev);

G_END_DECLS
