/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define UB_ROM_ERROR (ub_rom_error_quark ())

/**
 * UbRomError:
 * @UB_ROM_ERROR_FAILED: generic failure
 * @UB_ROM_ERROR_NOT_A_ROM: no Xiaomi fastboot ROM (flash scripts + images/) was found
 * @UB_ROM_ERROR_AMBIGUOUS: the folder holds more than one ROM
 * @UB_ROM_ERROR_UNSUPPORTED_SCRIPT: a flash script line Unbrick does not understand
 * @UB_ROM_ERROR_UNSAFE_PATH: a path that leaves the ROM folder, or an unsafe archive entry
 * @UB_ROM_ERROR_ARCHIVE: a corrupt, truncated or unreadable archive
 * @UB_ROM_ERROR_CHECKSUM: an MD5 that does not match
 * @UB_ROM_ERROR_NO_SPACE: not enough free disk space
 * @UB_ROM_ERROR_MODE_UNAVAILABLE: the ROM has no script for the requested mode
 * @UB_ROM_ERROR_PREFLIGHT: a check before flashing failed (see UbPreflight for the list)
 * @UB_ROM_ERROR_MISMATCH: the phone is not the one a job or resume state was made for
 *
 * Cancellation is reported as G_IO_ERROR_CANCELLED.
 */
typedef enum {
  UB_ROM_ERROR_FAILED,
  UB_ROM_ERROR_NOT_A_ROM,
  UB_ROM_ERROR_AMBIGUOUS,
  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
  UB_ROM_ERROR_UNSAFE_PATH,
  UB_ROM_ERROR_ARCHIVE,
  UB_ROM_ERROR_CHECKSUM,
  UB_ROM_ERROR_NO_SPACE,
  UB_ROM_ERROR_MODE_UNAVAILABLE,
  UB_ROM_ERROR_PREFLIGHT,
  UB_ROM_ERROR_MISMATCH,
} UbRomError;

GQuark ub_rom_error_quark (void);

G_END_DECLS
