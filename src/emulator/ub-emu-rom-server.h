/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The demo mode's ROM catalog: an HTTP server on 127.0.0.1 (a free port, its
 * own thread) that serves what the real sources do, so that finding,
 * downloading and flashing work with no network:
 *
 *   /latest.yml               a small catalog in XiaomiFirmwareUpdater's format
 *   /history/<codename>.json  HyperData's per-device format (alioth only)
 *   /<version>/<file name>    the ROM files (GET and HEAD, single Range, If-Range)
 *                             and the files added with add_file()
 *
 * Its content: the demo phone's product (alioth) with a Global and an EEA
 * stable fastboot ROM, each the demo ROM (ub-emu-demo-rom.c) packed as a real
 * .tgz whose name ends in the first 10 hex digits of its MD5 (the full MD5 and
 * a size are in latest.yml), plus a row of an unrelated phone. Everything is
 * written in @dir. No GTK.
 */

#define UB_TYPE_EMU_ROM_SERVER (ub_emu_rom_server_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuRomServer, ub_emu_rom_server, UB, EMU_ROM_SERVER, GObject)

/* The demo ROMs' builds and date. */
#define UB_EMU_ROM_SERVER_GLOBAL_VERSION "V14.0.8.0.TKHMIXM"
#define UB_EMU_ROM_SERVER_EEA_VERSION    "V14.0.8.0.TKHEUXM"

/* Writes and packs the ROMs in @dir (created if needed; a few seconds) and starts serving. */
UbEmuRomServer *ub_emu_rom_server_new              (const char      *dir,
                                                    GError         **error);
/* "http://127.0.0.1:PORT" (the mirror base: files are at <base>/<version>/<name>) */
const char     *ub_emu_rom_server_get_base_url     (UbEmuRomServer  *self);
/* "<base>/latest.yml" */
const char     *ub_emu_rom_server_get_catalog_url  (UbEmuRomServer  *self);
/* "<base>/history/" (the folder of <codename>.json) */
const char     *ub_emu_rom_server_get_history_url  (UbEmuRomServer  *self);
/* The packed ROM's path for @version (one of the two above), or NULL. */
const char     *ub_emu_rom_server_get_file_path    (UbEmuRomServer  *self,
                                                    const char      *version);
/* Serves the file at @path (mapped now; it must not change) at
 * /<version>/<its name> too, e.g. the locked demo phone's recovery ROM. */
gboolean        ub_emu_rom_server_add_file          (UbEmuRomServer *self,
                                                     const char     *version,
                                                     const char     *path,
                                                     GError        **error);
/* How many requests (any method) asked for @path ("/latest.yml", …) so far. */
guint           ub_emu_rom_server_get_request_count (UbEmuRomServer *self,
                                                     const char     *path);

G_END_DECLS
