/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-flash-job.h"
#include "ub-phone-info.h"
#include "ub-preflight.h"
#include "ub-recovery-info.h"
#include "ub-usb-device-info.h"

G_BEGIN_DECLS

/*
 * One connected phone as the wizard sees it: how it is reached, what it
 * said about itself (probed with getvar), and its checks, plan, flash job
 * and log for this run. No GTK: rows and pages bind to its properties.
 * Every property changes on the main thread only.
 */
#define UB_TYPE_PHONE (ub_phone_get_type ())
G_DECLARE_FINAL_TYPE (UbPhone, ub_phone, UB, PHONE, GObject)

UbPhone         *ub_phone_new_for_usb     (UbUsbDeviceInfo *device);
UbPhone         *ub_phone_new_for_address (const char      *address);
/* A phone on adb's TCP transport ("tcp:HOST[:PORT]", the demo's recovery):
 * asked whether it is in Mi Assistant mode, like a USB device of kind ADB. */
UbPhone         *ub_phone_new_for_adb_address (const char  *address);

/* "usb:1-4", "tcp:127.0.0.1:5554"… */
const char      *ub_phone_get_address     (UbPhone         *self);
/* How to reach it again after it was unplugged: the serial for a USB phone
 * (plugged back into any port), else the address. */
const char      *ub_phone_get_stable_address (UbPhone      *self);
/* NULL for a phone reached over the network. */
UbUsbDeviceInfo *ub_phone_get_device      (UbPhone         *self);
void             ub_phone_set_device      (UbPhone         *self,
                                           UbUsbDeviceInfo *device);
/* TRUE for a phone in fastboot mode that answered, or one in Mi Assistant mode. */
gboolean         ub_phone_get_usable      (UbPhone         *self);
/* NULL until probed. */
UbPhoneInfo     *ub_phone_get_info        (UbPhone         *self);

/* TRUE for an adb device (USB kind ADB, or made by new_for_adb_address). */
gboolean         ub_phone_get_is_adb      (UbPhone         *self);
/* What a phone in Mi Assistant mode (Xiaomi's recovery, "Connect with
 * MIAssistant") said about itself; NULL until probed, and for every phone
 * that is not in that mode. */
UbRecoveryInfo  *ub_phone_get_recovery_info (UbPhone       *self);
/* TRUE for a fastboot phone that said its bootloader is locked: fastboot
 * cannot write it, the Mi Assistant path can. */
gboolean         ub_phone_get_locked      (UbPhone         *self);
/* The serial from whichever mode answered (getvar, getsn:, USB), or NULL. */
const char      *ub_phone_get_serial      (UbPhone         *self);
gboolean         ub_phone_get_probing     (UbPhone         *self);
/* Asks the phone about itself again (getvar), in a thread. */
void             ub_phone_probe           (UbPhone         *self);

/* "Redmi K40 / POCO F3" or the codename, or a kind of device. */
char            *ub_phone_dup_title       (UbPhone         *self);
/* "Serial 8d1cac2 · unlocked · slot b · battery 3.7 V" and the like. */
char            *ub_phone_dup_summary     (UbPhone         *self);
/* What this device's state means and what to do, for devices that cannot be flashed now; NULL otherwise. */
char            *ub_phone_dup_diagnosis   (UbPhone         *self);

/* "Redmi K40 / POCO F3 / Mi 11X (alioth)", or the codename when its names are not known. */
char            *ub_phone_dup_model_name  (const char      *codename);
/* The market names of a codename ("alioth" → "Redmi K40 / POCO F3 / Mi 11X"), or NULL. */
const char      *ub_phone_lookup_model    (const char      *codename);

void             ub_phone_set_preflight   (UbPhone         *self,
                                           UbPreflight     *preflight);
UbPreflight     *ub_phone_get_preflight   (UbPhone         *self);
void             ub_phone_set_job         (UbPhone         *self,
                                           UbFlashJob      *job);
UbFlashJob      *ub_phone_get_job         (UbPhone         *self);

/* The log of this run, with time stamps. */
void             ub_phone_log             (UbPhone         *self,
                                           const char      *format,
                                           ...) G_GNUC_PRINTF (2, 3);
const char      *ub_phone_get_log         (UbPhone         *self);
void             ub_phone_clear_log       (UbPhone         *self);

G_END_DECLS
