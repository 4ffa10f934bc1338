/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-device-names.h"

static const struct {
  const char *codename;
  const char *model;
} models[] = {
  { "alioth", "Redmi K40 / POCO F3 / Mi 11X" },
  { "venus", "Xiaomi Mi 11" },
  { "star", "Xiaomi Mi 11 Ultra" },
  { "haydn", "Xiaomi Mi 11i / Redmi K40 Pro+" },
  { "lisa", "Xiaomi 11 Lite 5G NE" },
  { "renoir", "Xiaomi Mi 11 Lite 5G" },
  { "courbet", "Xiaomi Mi 11 Lite" },
  { "vayu", "POCO X3 Pro" },
  { "surya", "POCO X3 NFC" },
  { "karna", "POCO X3" },
  { "sweet", "Redmi Note 10 Pro" },
  { "mojito", "Redmi Note 10" },
  { "spes", "Redmi Note 11" },
  { "veux", "Redmi Note 11 Pro 5G / POCO X4 Pro" },
  { "munch", "Redmi K40S / POCO F4" },
  { "marble", "Redmi Note 12 Turbo / POCO F5" },
  { "fuxi", "Xiaomi 13" },
  { "nuwa", "Xiaomi 13 Pro" },
  { "ishtar", "Xiaomi 13 Ultra" },
  { "cupid", "Xiaomi 12" },
  { "zeus", "Xiaomi 12 Pro" },
  { "apollo", "Mi 10T / Redmi K30S" },
  { "lmi", "Redmi K30 Pro / POCO F2 Pro" },
  { "umi", "Xiaomi Mi 10" },
  { "cmi", "Xiaomi Mi 10 Pro" },
  { "raphael", "Redmi K20 Pro / Mi 9T Pro" },
  { "davinci", "Redmi K20 / Mi 9T" },
  { "ginkgo", "Redmi Note 8" },
  { "begonia", "Redmi Note 8 Pro" },
  { "lavender", "Redmi Note 7" },
};

const char *
ub_device_names_lookup (const char *codename)
{
  if (codename == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
    if (g_ascii_strcasecmp (models[i].codename, codename) == 0)
      return models[i].model;
  return NULL;
}

char *
ub_device_names_dup_display (const char *codename)
{
  const char *model = ub_device_names_lookup (codename);

  if (model == NULL)
    return g_strdup (codename);
  /* TRANSLATORS: a phone's market name and its codename, "Redmi K40 (alioth)" */
  return g_strdup_printf (_("%s (%s)"), model, codename);
}
