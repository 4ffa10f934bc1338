/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "ub-fastboot-enums.h"

G_BEGIN_DECLS

#define UB_FASTBOOT_ERROR (ub_fastboot_error_quark ())

/**
 * UbFastbootError:
 * @UB_FASTBOOT_ERROR_FAILED: generic failure
 * @UB_FASTBOOT_ERROR_REMOTE: the device answered FAIL; the message is the device's text
 * @UB_FASTBOOT_ERROR_DEFERRED: the device reported that the *previous* write failed
 * @UB_FASTBOOT_ERROR_TIMEOUT: the device stopped answering or accepting data
 * @UB_FASTBOOT_ERROR_NO_DEVICE: the device went away (unplugged, rebooted)
 * @UB_FASTBOOT_ERROR_NOT_FOUND: no device matches the request
 * @UB_FASTBOOT_ERROR_PERMISSION: the OS denied access (udev rules)
 * @UB_FASTBOOT_ERROR_BUSY: another program holds the device
 * @UB_FASTBOOT_ERROR_PROTOCOL: the device broke the protocol (bad reply, wrong DATA size)
 * @UB_FASTBOOT_ERROR_IO: transport I/O error
 * @UB_FASTBOOT_ERROR_INVALID_IMAGE: an image file is corrupt or unsupported
 * @UB_FASTBOOT_ERROR_INVALID_ARGUMENT: caller error (bad address, command too long…)
 *
 * Cancellation is always reported as G_IO_ERROR_CANCELLED, as GIO does.
 */
typedef enum {
  UB_FASTBOOT_ERROR_FAILED,
  UB_FASTBOOT_ERROR_REMOTE,
  UB_FASTBOOT_ERROR_DEFERRED,
  UB_FASTBOOT_ERROR_TIMEOUT,
  UB_FASTBOOT_ERROR_NO_DEVICE,
  UB_FASTBOOT_ERROR_NOT_FOUND,
  UB_FASTBOOT_ERROR_PERMISSION,
  UB_FASTBOOT_ERROR_BUSY,
  UB_FASTBOOT_ERROR_PROTOCOL,
  UB_FASTBOOT_ERROR_IO,
  UB_FASTBOOT_ERROR_INVALID_IMAGE,
  UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
} UbFastbootError;

GQuark ub_fastboot_error_quark (void);

G_END_DECLS
