/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-flash-step.h"
#include "ub-rom-enums.h"

G_BEGIN_DECLS

typedef enum {
  UB_SCRIPT_SH,
  UB_SCRIPT_BAT,
} UbScriptDialect;

#define UB_TYPE_SCRIPT (ub_script_get_type ())
G_DECLARE_FINAL_TYPE (UbScript, ub_script, UB, SCRIPT, GObject)

/*
 * A Xiaomi flash script (flash_all*.sh or .bat) read as data: a list of
 * typed steps (UbFlashStep). Nothing is ever run by a shell. CRLF, a UTF-8
 * BOM and trailing spaces are accepted. A line the interpreter does not
 * understand fails the whole script with UB_ROM_ERROR_UNSUPPORTED_SCRIPT
 * and a message naming the line; so does a path that leaves the ROM folder
 * (UB_ROM_ERROR_UNSAFE_PATH).
 */
UbScript        *ub_script_new_from_data (const char      *name,
                                          UbScriptDialect  dialect,
                                          const char      *data,
                                          gsize            length,
                                          GError         **error);
/* The dialect follows the extension (.sh or .bat). */
UbScript        *ub_script_new_from_file (const char      *path,
                                          GError         **error);

const char      *ub_script_get_name      (UbScript        *self);
UbScriptDialect  ub_script_get_dialect   (UbScript        *self);
/* Of UbFlashStep, in script order. */
GPtrArray       *ub_script_get_steps     (UbScript        *self);
/* Of char *: remarks that do not stop the script (e.g. a command without $*). */
GPtrArray       *ub_script_get_notes     (UbScript        *self);
/* TRUE when the script locks the bootloader. */
gboolean         ub_script_locks         (UbScript        *self);

G_END_DECLS
