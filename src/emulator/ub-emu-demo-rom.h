/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The demo ROM generator behind ub_emu_demo_write_rom(); not public. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* Writes the demo ROM for @product (NULL: "alioth") in @dir, replacing an
 * earlier one, and returns the ROM folder's path. */
char *ub_emu_demo_rom_write   (const char  *dir,
                               const char  *product,
                               GError     **error);

G_END_DECLS
