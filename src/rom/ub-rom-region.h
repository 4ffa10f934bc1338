/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The market a Xiaomi ROM is built for. It comes from the catalog codename's
 * suffix ("houji_eea_global" → EEA, "houji_global" → Global, "houji" → China)
 * and from the build's region letters ("OS3.0.303.0.WNCEUXM" → "EU"), never
 * from the region word in a file name (it lies: "apollo_ru_global_images_…_global_…").
 */
typedef enum {
  UB_ROM_REGION_UNKNOWN,
  UB_ROM_REGION_GLOBAL,     /* key "global",  build "MI" */
  UB_ROM_REGION_EEA,        /* key "eea",     build "EU" */
  UB_ROM_REGION_CHINA,      /* key "cn",      build "CN" */
  UB_ROM_REGION_INDIA,      /* key "in",      build "IN" */
  UB_ROM_REGION_RUSSIA,     /* key "ru",      build "RU" */
  UB_ROM_REGION_INDONESIA,  /* key "id",      build "ID" */
  UB_ROM_REGION_TURKEY,     /* key "tr",      build "TR" */
  UB_ROM_REGION_TAIWAN,     /* key "tw",      build "TW" */
  UB_ROM_REGION_JAPAN,      /* key "jp",      build "JP" */
  UB_ROM_REGION_KOREA,      /* key "kr",      build "KR" */
} UbRomRegion;

/* "global", "eea", "cn", … (stable; settings, JSON and the CLI use it); NULL for UNKNOWN. */
const char  *ub_rom_region_to_key          (UbRomRegion  region);
/* Accepts a key ("eea"), a build code ("EU", any case) or the English name
 * ("Europe", "China", "Global"…, any case). UNKNOWN when none. */
UbRomRegion  ub_rom_region_from_string     (const char  *text);
/* The 2 letters in a build ("MI", "EU", …) → region; UNKNOWN for others. */
UbRomRegion  ub_rom_region_from_build_code (const char  *code);
/* Translated plain name: "Global", "Europe (EEA)", "China", "India", "Russia",
 * "Indonesia", "Turkey", "Taiwan", "Japan", "South Korea"; "Unknown region". */
const char  *ub_rom_region_get_name        (UbRomRegion  region);

G_END_DECLS
