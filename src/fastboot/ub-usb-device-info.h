/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ub-fastboot-enums.h"

G_BEGIN_DECLS

/**
 * UbUsbDeviceKind:
 * @UB_USB_DEVICE_KIND_FASTBOOT: an interface ff/42/03 (bootloader fastboot or fastbootd)
 * @UB_USB_DEVICE_KIND_ADB: an interface ff/42/01 (Android running, or recovery with adb)
 * @UB_USB_DEVICE_KIND_EDL: Qualcomm emergency download mode (05c6:9008)
 * @UB_USB_DEVICE_KIND_BROM: MediaTek boot ROM mode (0e8d:0003)
 */
typedef enum {
  UB_USB_DEVICE_KIND_FASTBOOT,
  UB_USB_DEVICE_KIND_ADB,
  UB_USB_DEVICE_KIND_EDL,
  UB_USB_DEVICE_KIND_BROM,
} UbUsbDeviceKind;

/**
 * UbUsbAccessProblem:
 * @UB_USB_ACCESS_OK: the device can be opened (or is already open in this process)
 * @UB_USB_ACCESS_PERMISSION: the OS denied access (missing udev rule)
 * @UB_USB_ACCESS_BUSY: another program has claimed the interface
 */
typedef enum {
  UB_USB_ACCESS_OK,
  UB_USB_ACCESS_PERMISSION,  /*< nick=no-permission >*/
  UB_USB_ACCESS_BUSY,
} UbUsbAccessProblem;


#define UB_TYPE_USB_DEVICE_INFO (ub_usb_device_info_get_type ())
G_DECLARE_FINAL_TYPE (UbUsbDeviceInfo, ub_usb_device_info, UB, USB_DEVICE_INFO, GObject)

/*
 * One USB device as seen by ub_usb_transport_list_devices(): an immutable
 * snapshot. @serial may be NULL when it could not be read; @path is
 * "usb:B-P1.P2…" and is what ub_usb_transport_open() also accepts;
 * @interface_name is the interface string from sysfs ("fastboot",
 * "fastbootd"…) or NULL.
 */
UbUsbDeviceInfo   *ub_usb_device_info_new                (UbUsbDeviceKind     kind,
                                                          const char         *path,
                                                          const char         *serial,
                                                          guint16             vendor_id,
                                                          guint16             product_id,
                                                          const char         *interface_name,
                                                          UbUsbAccessProblem  problem);

UbUsbDeviceKind    ub_usb_device_info_get_kind           (UbUsbDeviceInfo *self);
const char        *ub_usb_device_info_get_path           (UbUsbDeviceInfo *self);
const char        *ub_usb_device_info_get_serial         (UbUsbDeviceInfo *self);
guint16            ub_usb_device_info_get_vendor_id      (UbUsbDeviceInfo *self);
guint16            ub_usb_device_info_get_product_id     (UbUsbDeviceInfo *self);
const char        *ub_usb_device_info_get_interface_name (UbUsbDeviceInfo *self);
UbUsbAccessProblem ub_usb_device_info_get_problem        (UbUsbDeviceInfo *self);

/* TRUE when every field of @a and @b is the same. */
gboolean           ub_usb_device_info_equal              (UbUsbDeviceInfo *a,
                                                          UbUsbDeviceInfo *b);

/* Short English name of @kind: "fastboot", "adb", "edl", "brom". */
const char        *ub_usb_device_kind_to_string          (UbUsbDeviceKind kind);

G_END_DECLS
