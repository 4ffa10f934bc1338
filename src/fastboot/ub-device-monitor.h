/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-usb-device-info.h"

G_BEGIN_DECLS

/*
 * The live list of phones on USB (fastboot, adb, EDL, BROM; the same
 * classification as ub_usb_transport_list_devices()), as a GListModel of
 * UbUsbDeviceInfo sorted by path.
 *
 * Uses its own libusb context. Its event file descriptors are watched by a
 * GSource in the thread-default GMainContext of ub_device_monitor_start(),
 * so hotplug events arrive there without any polling; use the monitor from
 * that thread only. An arriving device is classified from an idle callback
 * (and again a few times, 250 ms apart, while it reports a permission or
 * busy problem, as udev may still be applying its rules). Classifying opens
 * the device briefly to read its serial when sysfs has none; nothing is
 * ever sent to it.
 *
 * Items that did not change stay the same objects; a changed device is
 * replaced by a new object at the same position. Every change of the model
 * emits "items-changed" (GListModel), then "changed" once per batch.
 */

#define UB_TYPE_DEVICE_MONITOR (ub_device_monitor_get_type ())
G_DECLARE_FINAL_TYPE (UbDeviceMonitor, ub_device_monitor, UB, DEVICE_MONITOR, GObject)

UbDeviceMonitor *ub_device_monitor_new         (void);

/* The monitor itself (it implements GListModel); owned by @self. */
GListModel      *ub_device_monitor_get_devices (UbDeviceMonitor *self);

/*
 * Creates the libusb context, registers for hotplug when libusb supports it,
 * attaches the event source to the thread-default main context and lists
 * the devices present. Errors: UB_FASTBOOT_ERROR_IO when libusb cannot be
 * used. Does nothing (and returns TRUE) when already started.
 */
gboolean         ub_device_monitor_start       (UbDeviceMonitor *self,
                                                GError         **error);

/* Stops watching (the list keeps its last content). Idempotent; also done
 * on dispose. */
void             ub_device_monitor_stop        (UbDeviceMonitor *self);

/* Enumerates the bus again now (the Refresh button; the only way to see
 * changes when hotplug is not supported). Does nothing when not started. */
void             ub_device_monitor_refresh     (UbDeviceMonitor *self);

/* TRUE when started and libusb delivers hotplug events (live updates). */
gboolean         ub_device_monitor_get_hotplug (UbDeviceMonitor *self);

/* The item for @path ("usb:1-4.2"), or NULL. (transfer none) */
UbUsbDeviceInfo *ub_device_monitor_lookup      (UbDeviceMonitor *self,
                                                const char      *path);

G_END_DECLS
