/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Test-only bridge: puts emulated phones (UbEmuPhone) on an emulated USB bus
 * (a umockdev testbed), so the real libusb code path talks to them through
 * usbdevfs ioctls. The process must run under the umockdev preload
 * (umockdev-wrapper). Create the bus before the first libusb_init() in the
 * process (libusb caches where sysfs and usbfs are).
 *
 * Each plugged device gets sysfs entries (usb_device + usb_interface with
 * bulk EP 0x01 OUT / 0x81 IN, 512 bytes), a serial attribute, and a
 * /dev/bus/usb/BBB/DDD node turned into a FIFO whose writability mirrors
 * "a URB can be reaped", so libusb sleeps in poll() instead of spinning.
 * OUT URBs are fed to a UbEmuSession on a per-device thread; IN URBs are
 * completed with the session's responses.
 *
 * Emulator actions: UB_EMU_ACTION_DISCONNECT unplugs the device (after the
 * queued responses were read, e.g. the OKAY of a reboot) and replugs it for
 * reboot-bootloader / reboot-fastboot (fastboot again) and reboot to system
 * or a lock that restarts the phone (restart-on-lock)
 * (an adb device with the same serial); UB_EMU_ACTION_STALL stops
 * completing URBs (only cancelling them works, like a real stuck device).
 */

#include <umockdev.h>

#include "ub-emu-phone.h"
#include "ub-emu-recovery.h"

G_BEGIN_DECLS

#define UB_TYPE_EMU_USB (ub_emu_usb_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuUsb, ub_emu_usb, UB, EMU_USB, GObject)

typedef struct _UbEmuUsbDevice UbEmuUsbDevice;

typedef enum {
  UB_EMU_USB_FASTBOOT,   /* an emulated phone, interface ff/42/03 */
  UB_EMU_USB_ADB,        /* interface ff/42/01, no protocol behind it */
  UB_EMU_USB_OTHER,      /* any other device (class triple given) */
  UB_EMU_USB_RECOVERY,   /* an emulated Mi Assistant recovery, interface ff/42/01 */
} UbEmuUsbKind;

typedef struct {
  guint64 n_ioctl;
  guint64 n_submit;
  guint64 n_reap;
  guint64 n_reap_eagain;
  guint64 n_discard;
  guint64 bulk_out_bytes;
  guint64 bulk_out_urbs;
  guint64 max_out_urb;       /* largest OUT URB seen */
  guint64 n_zero_length_out; /* zero-length OUT URBs (must stay 0) */
  guint64 n_enomem;          /* SUBMITURBs refused with ENOMEM */
  guint64 n_zero_length_out_adb; /* zero-length OUT URBs to a recovery (expected
                                  * after a multiple of wMaxPacketSize) */
} UbEmuUsbStats;

/* Returns NULL with G_IO_ERROR_NOT_SUPPORTED when not under the umockdev
 * preload (tests then exit 77). */
UbEmuUsb        *ub_emu_usb_new                  (GError        **error);
UMockdevTestbed *ub_emu_usb_get_testbed          (UbEmuUsb       *self);

/*
 * Plug @phone in at @port (sysfs name such as "1-3" or "1-5.2"; NULL: the
 * next free "1-N"). A hub is added automatically for dotted ports.
 */
UbEmuUsbDevice  *ub_emu_usb_add_phone            (UbEmuUsb       *self,
                                                  UbEmuPhone     *phone,
                                                  const char     *port,
                                                  GError        **error);
/* A device without a fastboot session, e.g. an adb-mode phone or a mouse. */
UbEmuUsbDevice  *ub_emu_usb_add_device           (UbEmuUsb       *self,
                                                  UbEmuUsbKind    kind,
                                                  guint16         vendor_id,
                                                  guint16         product_id,
                                                  guint8          iface_class,
                                                  guint8          iface_subclass,
                                                  guint8          iface_protocol,
                                                  const char     *serial,
                                                  const char     *port,
                                                  GError        **error);
/*
 * Plug an emulated recovery in (serial: its "sn" info). Bulk OUT URBs feed a
 * UbEmuRecoverySession; each of its header/payload writes completes one
 * bulk IN URB. When the recovery drops the link (reboot, unplug fault,
 * protocol violation) the device is unplugged once the queued answers were
 * read, and stays unplugged.
 */
UbEmuUsbDevice  *ub_emu_usb_add_recovery         (UbEmuUsb       *self,
                                                  UbEmuRecovery  *recovery,
                                                  const char     *port,
                                                  GError        **error);
/* Blocks until every device is plugged/unplugged as scheduled (no pending
 * replug), at most @timeout_ms; FALSE on timeout. */
gboolean         ub_emu_usb_settle               (UbEmuUsb       *self,
                                                  guint           timeout_ms);

/* Devices are owned by the bus and live as long as it does. */
void             ub_emu_usb_device_unplug        (UbEmuUsbDevice *dev);
gboolean         ub_emu_usb_device_replug        (UbEmuUsbDevice *dev,
                                                  GError        **error);
/* Stop completing URBs, like UB_EMU_ACTION_STALL. */
void             ub_emu_usb_device_stall         (UbEmuUsbDevice *dev);
gboolean         ub_emu_usb_device_is_plugged    (UbEmuUsbDevice *dev);
/* Number of times it was plugged in (1 after adding). */
guint            ub_emu_usb_device_get_plug_count (UbEmuUsbDevice *dev);
UbEmuUsbKind     ub_emu_usb_device_get_kind      (UbEmuUsbDevice *dev);
/* "usb:1-3" */
const char      *ub_emu_usb_device_get_path      (UbEmuUsbDevice *dev);
const char      *ub_emu_usb_device_get_serial    (UbEmuUsbDevice *dev);
/* Statistics of the current (or last) plug. */
void             ub_emu_usb_device_get_stats     (UbEmuUsbDevice *dev,
                                                  UbEmuUsbStats  *stats);
/* CLAIMINTERFACE fails with this errno (0: succeeds). EBUSY also binds the
 * "usbfs" driver in sysfs, like another program holding the interface. */
void             ub_emu_usb_device_set_claim_errno (UbEmuUsbDevice *dev,
                                                    int             err);
/* SUBMITURB of a bulk URB larger than @size fails with ENOMEM (0: no limit),
 * like a host out of usbfs memory. */
void             ub_emu_usb_device_set_max_urb   (UbEmuUsbDevice *dev,
                                                  gsize           size);
/* chmod the /dev node of the current plug (and of later replugs), e.g. 0
 * to provoke EACCES for a process without CAP_DAC_OVERRIDE. */
void             ub_emu_usb_device_set_node_mode (UbEmuUsbDevice *dev,
                                                  guint           mode);
/*
 * Replug delays in ms: after a reboot command (default 200) and after a
 * fault disconnect (default -1: stays unplugged).
 */
void             ub_emu_usb_device_set_replug_delays (UbEmuUsbDevice *dev,
                                                      int             reboot_ms,
                                                      int             fault_ms);

G_END_DECLS
