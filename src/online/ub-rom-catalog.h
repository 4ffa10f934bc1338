/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-progress.h"
#include "ub-rom-release.h"

G_BEGIN_DECLS

/* Default sources (each also a GSettings key and an environment variable). */
#define UB_ROM_CATALOG_DEFAULT_URL \
  "https://raw.githubusercontent.com/XiaomiFirmwareUpdater/miui-updates-tracker/master/data/latest.yml"
#define UB_ROM_CATALOG_DEFAULT_HISTORY_URL "https://raw.githubusercontent.com/HegeKen/HyperData/main/devices/"

typedef enum /*< flags >*/ {
  UB_ROM_QUERY_DEFAULT  = 0,       /* newest stable fastboot ROM per region, standard editions */
  UB_ROM_QUERY_HISTORY  = 1 << 0,  /* every version, not only the newest per region */
  UB_ROM_QUERY_BETA     = 1 << 1,  /* betas, weeklies and DEV builds too */
  UB_ROM_QUERY_SPECIAL  = 1 << 2,  /* carrier, demo, enterprise and debug builds too */
  UB_ROM_QUERY_RECOVERY = 1 << 3,  /* recovery (.zip) packages instead of fastboot ones */
} UbRomQueryFlags;

#define UB_TYPE_ROM_CATALOG (ub_rom_catalog_get_type ())
G_DECLARE_FINAL_TYPE (UbRomCatalog, ub_rom_catalog, UB, ROM_CATALOG, GObject)

/*
 * The official Xiaomi ROMs: XiaomiFirmwareUpdater's latest.yml (newest per
 * region and branch, with full MD5 and size) merged by file name with HyperData's
 * per-device JSON (every release). Sources: GSettings "catalog-url" /
 * "catalog-history-url", overridden by UNBRICK_CATALOG_URL / UNBRICK_HISTORY_URL
 * (read by ub_rom_catalog_new()). HTTPS only (plain http only to this machine).
 * Cached in @cache_dir (default ~/.cache/unbrick/catalog) with ETag/Last-Modified;
 * fetched again at most every 6 hours; from the cache when offline.
 *
 * "changed" is emitted on the thread-default main context of the caller of
 * ub_rom_catalog_new() each time a source has been merged (so a list can fill in
 * progressively). Errors: UB_ONLINE_ERROR (NETWORK, BAD_URL, FAILED, CATALOG…).
 * Thread-safe.
 */
UbRomCatalog  *ub_rom_catalog_new              (void);
void           ub_rom_catalog_set_sources      (UbRomCatalog  *self,
                                                const char    *latest_url,
                                                const char    *history_url);  /* folder: <url><codename>.json */
void           ub_rom_catalog_set_cache_dir    (UbRomCatalog  *self,
                                                const char    *cache_dir);
void           ub_rom_catalog_set_max_age      (UbRomCatalog  *self,
                                                GTimeSpan      max_age);      /* default 6 h */

/* Parse and merge data already in memory (tests, demo, fuzzing). Bounded; malformed → error, nothing merged. */
gboolean       ub_rom_catalog_load_latest      (UbRomCatalog  *self,
                                                GBytes        *yaml,
                                                GError       **error);
gboolean       ub_rom_catalog_load_history     (UbRomCatalog  *self,
                                                GBytes        *json,
                                                GError       **error);

/*
 * Brings latest.yml and the history of @product (may be NULL: latest.yml only)
 * up to date: from the cache when younger than max age, else a conditional GET;
 * when the network fails but a cached copy exists, that copy is used and
 * ub_rom_catalog_get_offline() is TRUE afterwards (not an error). An error only
 * when there is nothing at all to show for latest.yml. A failing history source
 * is not an error either (it only adds older versions). Blocking; worker threads.
 */
gboolean       ub_rom_catalog_update           (UbRomCatalog  *self,
                                                const char    *product,
                                                UbProgress    *progress,
                                                GCancellable  *cancellable,
                                                GError       **error);
void           ub_rom_catalog_update_async     (UbRomCatalog        *self,
                                                const char          *product,
                                                UbProgress          *progress,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean       ub_rom_catalog_update_finish    (UbRomCatalog  *self,
                                                GAsyncResult  *result,
                                                GError       **error);

/* After an update: TRUE when the data came from the cache because a source could not be reached. */
gboolean       ub_rom_catalog_get_offline      (UbRomCatalog  *self);
/* When the latest.yml in use was fetched (NULL before any). */
GDateTime     *ub_rom_catalog_get_fetched      (UbRomCatalog  *self);

/*
 * The releases for the fastboot @product: catalog codenames equal to it or to it
 * plus "_" and a region suffix ("_global", "_eea_global", "_in_global", …), never
 * a longer codename ("begonia" ≠ "begoniain", "dandelion" ≠ "dandelion_c3l2").
 * Rows under 1 MB and duplicates are dropped. Newest first by date, then version.
 * Returns UbRomRelease objects (never NULL; empty when none).
 */
GPtrArray     *ub_rom_catalog_find             (UbRomCatalog    *self,
                                                const char      *product,
                                                UbRomQueryFlags  flags);
/* The newest release of @product for @region matching @flags, or NULL. */
UbRomRelease  *ub_rom_catalog_find_latest      (UbRomCatalog    *self,
                                                const char      *product,
                                                UbRomRegion      region,
                                                UbRomQueryFlags  flags);
/* The catalog's model name for @product without the region word ("Xiaomi 14"), or NULL. */
char          *ub_rom_catalog_dup_model_name   (UbRomCatalog    *self,
                                                const char      *product);

/*
 * The download hosts: GSettings "rom-mirrors" or UNBRICK_MIRRORS (comma-separated
 * base URLs), else Xiaomi's CDN hosts in a sensible default order. NULL-terminated.
 */
char         **ub_rom_catalog_dup_default_mirrors (void);

G_END_DECLS
