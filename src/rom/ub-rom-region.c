/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-rom-region.h"

/* The one table of Xiaomi's markets (also behind ub_rom_name_region_name()). */
static const struct {
  UbRomRegion  region;
  const char  *key;
  const char  *code;    /* the build's 2 letters */
  const char  *english; /* accepted by from_string */
  const char  *name;    /* shown */
} regions[] = {
  /* TRANSLATORS: the regions Xiaomi makes ROMs for */
  { UB_ROM_REGION_GLOBAL,    "global", "MI", "Global",      N_("Global") },
  { UB_ROM_REGION_EEA,       "eea",    "EU", "Europe",      N_("Europe (EEA)") },
  { UB_ROM_REGION_CHINA,     "cn",     "CN", "China",       N_("China") },
  { UB_ROM_REGION_INDIA,     "in",     "IN", "India",       N_("India") },
  { UB_ROM_REGION_RUSSIA,    "ru",     "RU", "Russia",      N_("Russia") },
  { UB_ROM_REGION_INDONESIA, "id",     "ID", "Indonesia",   N_("Indonesia") },
  { UB_ROM_REGION_TURKEY,    "tr",     "TR", "Turkey",      N_("Turkey") },
  { UB_ROM_REGION_TAIWAN,    "tw",     "TW", "Taiwan",      N_("Taiwan") },
  { UB_ROM_REGION_JAPAN,     "jp",     "JP", "Japan",       N_("Japan") },
  { UB_ROM_REGION_KOREA,     "kr",     "KR", "South Korea", N_("South Korea") },
};

const char *
ub_rom_region_to_key (UbRomRegion region)
{
  for (gsize i = 0; i < G_N_ELEMENTS (regions); i++)
    if (regions[i].region == region)
      return regions[i].key;
  return NULL;
}

UbRomRegion
ub_rom_region_from_build_code (const char *code)
{
  if (code == NULL)
    return UB_ROM_REGION_UNKNOWN;
  for (gsize i = 0; i < G_N_ELEMENTS (regions); i++)
    if (g_str_equal (code, regions[i].code))
      return regions[i].region;
  return UB_ROM_REGION_UNKNOWN;
}

UbRomRegion
ub_rom_region_from_string (const char *text)
{
  if (text == NULL)
    return UB_ROM_REGION_UNKNOWN;
  for (gsize i = 0; i < G_N_ELEMENTS (regions); i++)
    if (g_ascii_strcasecmp (text, regions[i].key) == 0
        || g_ascii_strcasecmp (text, regions[i].code) == 0
        || g_ascii_strcasecmp (text, regions[i].english) == 0
        || g_ascii_strcasecmp (text, regions[i].name) == 0)
      return regions[i].region;
  /* other spellings people and catalogs use */
  if (g_ascii_strcasecmp (text, "europe (eea)") == 0 || g_ascii_strcasecmp (text, "eu") == 0)
    return UB_ROM_REGION_EEA;
  if (g_ascii_strcasecmp (text, "korea") == 0)
    return UB_ROM_REGION_KOREA;
  return UB_ROM_REGION_UNKNOWN;
}

const char *
ub_rom_region_get_name (UbRomRegion region)
{
  for (gsize i = 0; i < G_N_ELEMENTS (regions); i++)
    if (regions[i].region == region)
      return _(regions[i].name);
  return _("Unknown region");
}
