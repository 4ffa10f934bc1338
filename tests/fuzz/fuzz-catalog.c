/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The ROM catalog from fuzzed data: XiaomiFirmwareUpdater's latest.yml
 * (ub_rom_catalog_load_latest) or, with UB_FUZZ_CATALOG_JSON, a HyperData
 * per-device history (ub_rom_catalog_load_history, merged with a few fixed
 * latest.yml rows); then find, find_latest and the download addresses for a
 * few products, checking what the catalog promises about each release.
 */
#include "config.h"

#include <string.h>

#include "ub-fuzz.h"
#include "ub-online-error.h"
#include "ub-rom-catalog.h"

#define MIN_SIZE (1000 * 1000)

static const char *const products[] = {
  "houji", "alioth", "begonia", "dandelion", "curtana", "sweet", "a", "HOUJI", NULL,
};

static const char *const mirrors[] = {
  "https://cdnorg.d.miui.com", "https://bigota.d.miui.com/", NULL,
};

#ifdef UB_FUZZ_CATALOG_JSON
/* rows the history merges into (by file name) */
static const char latest_rows[] =
  "- android: '16.0'\n"
  "  branch: Stable\n"
  "  codename: houji_global\n"
  "  date: 2026-07-20\n"
  "  link: https://bkt-sgp-miui-ota-update-alisgp.oss-ap-southeast-1.aliyuncs.com/OS3.0.303.0.WNCMIXM/houji_global_images_OS3.0.303.0.WNCMIXM_20260720.0000.00_16.0_global_e67bb2459e.tgz\n"
  "  md5: e67bb2459e60a5b7c3c0cc4e3b5d3c1f\n"
  "  method: Fastboot\n"
  "  name: Xiaomi 14 Global\n"
  "  size: 6.6 GB\n"
  "  version: OS3.0.303.0.WNCMIXM\n"
  "- android: '16.0'\n"
  "  branch: Stable\n"
  "  codename: houji\n"
  "  date: 2026-07-27\n"
  "  link: https://bkt-sgp-miui-ota-update-alisgp.oss-ap-southeast-1.aliyuncs.com/OS3.0.305.0.WNCCNXM/houji_images_OS3.0.305.0.WNCCNXM_20260727.0000.00_16.0_cn_545a3c8afe.tgz\n"
  "  md5: 545a3c8afe0b1e2d3c4b5a69788796a5\n"
  "  method: Fastboot\n"
  "  name: Xiaomi 14 China\n"
  "  size: 7.1 GB\n"
  "  version: OS3.0.305.0.WNCCNXM\n";
#endif

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* no settings backend, no schema: the catalog must not need them */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  ub_fuzz_quiet_logs ();
  return 0;
}

static void
assert_hex (const char *s,
            gsize       len)
{
  g_assert_cmpuint (strlen (s), ==, len);
  for (const char *p = s; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
}

static void
check_release (UbRomRelease    *release,
               const char      *product,
               UbRomQueryFlags  flags,
               GHashTable      *urls_checked)
{
  const char *codename = ub_rom_release_get_codename (release);
  const char *file_name = ub_rom_release_get_file_name (release);
  g_autofree char *down = g_ascii_strdown (product, -1);
  g_auto(GStrv) urls = NULL;
  guint64 size = ub_rom_release_get_size (release);

  /* equal to the product or the product plus "_" and a suffix */
  g_assert_cmpstr (ub_rom_release_get_product (release), ==, down);
  g_assert_nonnull (codename);
  g_assert_true (g_str_equal (codename, down) ||
                 (g_str_has_prefix (codename, down) && codename[strlen (down)] == '_'));
  g_assert_nonnull (ub_rom_release_get_version (release));
  g_assert_nonnull (file_name);
  g_assert_null (strchr (file_name, '/'));
  g_assert_true (size == 0 || size >= MIN_SIZE);
  g_assert_cmpint (ub_rom_release_get_package (release), ==,
                   (flags & UB_ROM_QUERY_RECOVERY) ? UB_ROM_PACKAGE_RECOVERY
                                                  : UB_ROM_PACKAGE_FASTBOOT);
  if (!(flags & UB_ROM_QUERY_BETA))
    g_assert_cmpint (ub_rom_release_get_branch (release), ==, UB_ROM_BRANCH_STABLE);
  if (!(flags & UB_ROM_QUERY_SPECIAL))
    g_assert_cmpint (ub_rom_release_get_edition (release), ==, UB_ROM_EDITION_NONE);
  if (ub_rom_release_get_md5 (release) != NULL)
    assert_hex (ub_rom_release_get_md5 (release), 32);
  if (ub_rom_release_get_md5_prefix (release) != NULL)
    assert_hex (ub_rom_release_get_md5_prefix (release), 10);
  ub_rom_region_get_name (ub_rom_release_get_region (release));
  ub_rom_release_get_android (release);
  ub_rom_release_get_model_name (release);
  ub_rom_release_get_link (release);

  /* the addresses depend on the version and file name only: once per pair */
  if (!g_hash_table_add (urls_checked, g_strdup_printf ("%s/%s",
                                                        ub_rom_release_get_version (release),
                                                        file_name)))
    return;
  /* "<mirror>/<version>/<file name>", one per mirror, on that mirror's host */
  urls = ub_rom_release_dup_urls (release, mirrors);
  g_assert_cmpuint (g_strv_length (urls), ==, G_N_ELEMENTS (mirrors) - 1);
  for (guint i = 0; urls[i] != NULL; i++)
    {
      g_autoptr(GUri) uri = g_uri_parse (urls[i], G_URI_FLAGS_ENCODED, NULL);
      g_autoptr(GUri) mirror = g_uri_parse (mirrors[i], G_URI_FLAGS_ENCODED, NULL);

      g_assert_true (g_str_has_suffix (urls[i], file_name));
      if (uri != NULL)
        g_assert_cmpstr (g_uri_get_host (uri), ==, g_uri_get_host (mirror));
    }
}

static void
check_catalog (UbRomCatalog *catalog)
{
  const UbRomQueryFlags all_flags = UB_ROM_QUERY_HISTORY | UB_ROM_QUERY_BETA |
                                    UB_ROM_QUERY_SPECIAL | UB_ROM_QUERY_RECOVERY;
  /* "<version>/<file name>" whose addresses were checked */
  g_autoptr(GHashTable) urls_checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint p = 0; products[p] != NULL; p++)
    {
      g_autofree char *model = ub_rom_catalog_dup_model_name (catalog, products[p]);

      /* shown in the window as it is */
      g_assert_true (model == NULL || g_utf8_validate (model, -1, NULL));
      /* every combination of flags */
      for (guint flags = 0; flags <= all_flags; flags++)
        {
          g_autoptr(GPtrArray) found = ub_rom_catalog_find (catalog, products[p], flags);

          for (guint i = 0; i < found->len; i++)
            {
              UbRomRelease *release = g_ptr_array_index (found, i);

              check_release (release, products[p], flags, urls_checked);
              /* newest first: dates never go up (unknown dates last) */
              if (i > 0)
                {
                  const char *before = ub_rom_release_get_date (g_ptr_array_index (found, i - 1));
                  const char *date = ub_rom_release_get_date (release);

                  g_assert_true (g_strcmp0 (before, date) >= 0);
                }
            }
        }
      for (UbRomRegion region = UB_ROM_REGION_UNKNOWN; region <= UB_ROM_REGION_KOREA; region++)
        {
          g_autoptr(UbRomRelease) latest =
            ub_rom_catalog_find_latest (catalog, products[p], region, UB_ROM_QUERY_DEFAULT);

          if (latest != NULL)
            {
              g_assert_cmpint (ub_rom_release_get_region (latest), ==, region);
              check_release (latest, products[p], UB_ROM_QUERY_DEFAULT, urls_checked);
            }
        }
    }
}

static void
check_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == UB_ONLINE_ERROR);
  g_assert_cmpint (error->code, ==, UB_ONLINE_ERROR_BAD_DATA);
  g_assert_true (error->message != NULL && error->message[0] != '\0');
  if (!g_utf8_validate (error->message, -1, NULL))
    {
      g_autofree char *escaped = g_strescape (error->message, NULL);
      g_error ("not UTF-8: \"%s\"", escaped);
    }
}

static guint
count_all (UbRomCatalog *catalog)
{
  g_autoptr(GPtrArray) found =
    ub_rom_catalog_find (catalog, "houji",
                         UB_ROM_QUERY_HISTORY | UB_ROM_QUERY_BETA | UB_ROM_QUERY_SPECIAL);

  return found->len;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(UbRomCatalog) catalog = ub_rom_catalog_new ();
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  guint before;
  gboolean ok;

#ifdef UB_FUZZ_CATALOG_JSON
  {
    g_autoptr(GBytes) rows = g_bytes_new_static (latest_rows, sizeof latest_rows - 1);

    g_assert_true (ub_rom_catalog_load_latest (catalog, rows, &error));
    g_assert_no_error (error);
  }
  before = count_all (catalog);
  g_assert_cmpuint (before, ==, 2);
  ok = ub_rom_catalog_load_history (catalog, bytes, &error);
#else
  before = 0;
  ok = ub_rom_catalog_load_latest (catalog, bytes, &error);
#endif
  if (!ok)
    {
      check_error (error);
      /* malformed: nothing merged */
      g_assert_cmpuint (count_all (catalog), ==, before);
    }
  else
    g_assert_no_error (error);
  check_catalog (catalog);
  return 0;
}
