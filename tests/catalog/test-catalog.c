/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UbRomCatalog with the real samples in tests/fixtures/catalog: matching, regions,
 * merging, flags, bounds, and update() against a local server. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ub-online-error.h"
#include "ub-rom-catalog.h"

#include "ub-test-utils.h"

static GBytes *
fixture (const char *name)
{
  g_autofree char *path = ub_test_fixture_path (name);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static GThread *main_thread;

/* "changed": counted, and always on the creator's (the test's) thread */
static void
count_cb (gpointer  object,
          guint    *count)
{
  g_assert_true (g_thread_self () == main_thread);
  (*count)++;
}

/* A catalog with the latest.yml sample (and the houji history when @history). */
static UbRomCatalog *
catalog_new (gboolean history)
{
  UbRomCatalog *catalog = ub_rom_catalog_new ();
  g_autoptr(GBytes) yaml = fixture ("catalog/xfu-latest.trimmed.yml");
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_rom_catalog_load_latest (catalog, yaml, &error));
  g_assert_no_error (error);
  if (history)
    {
      g_autoptr(GBytes) json = fixture ("catalog/hyperdata-houji.trimmed.json");

      g_assert_true (ub_rom_catalog_load_history (catalog, json, &error));
      g_assert_no_error (error);
    }
  return catalog;
}

static UbRomRelease *
find_version (GPtrArray  *releases,
              const char *version)
{
  for (guint i = 0; i < releases->len; i++)
    if (g_str_equal (ub_rom_release_get_version (releases->pdata[i]), version))
      return releases->pdata[i];
  return NULL;
}

static UbRomRelease *
find_region (GPtrArray   *releases,
             UbRomRegion  region)
{
  for (guint i = 0; i < releases->len; i++)
    if (ub_rom_release_get_region (releases->pdata[i]) == region)
      return releases->pdata[i];
  return NULL;
}

static void
assert_count (UbRomCatalog    *catalog,
              const char      *product,
              UbRomQueryFlags  flags,
              guint            count)
{
  g_autoptr(GPtrArray) found = ub_rom_catalog_find (catalog, product, flags);

  g_assert_cmpuint (found->len, ==, count);
}

static void
assert_newest_first (GPtrArray *releases)
{
  for (guint i = 1; i < releases->len; i++)
    g_assert_cmpstr (ub_rom_release_get_date (releases->pdata[i - 1]), >=,
                     ub_rom_release_get_date (releases->pdata[i]));
}

static void
test_houji_default (void)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (FALSE);
  g_autoptr(GPtrArray) releases = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_DEFAULT);
  UbRomRegion want[] = {
    UB_ROM_REGION_GLOBAL, UB_ROM_REGION_EEA, UB_ROM_REGION_CHINA, UB_ROM_REGION_INDIA,
    UB_ROM_REGION_RUSSIA, UB_ROM_REGION_INDONESIA, UB_ROM_REGION_TURKEY, UB_ROM_REGION_TAIWAN,
  };
  UbRomRelease *global, *eea, *turkey;

  g_assert_cmpuint (releases->len, ==, 8);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_nonnull (find_region (releases, want[i]));
  assert_newest_first (releases);
  for (guint i = 0; i < releases->len; i++)
    {
      UbRomRelease *r = releases->pdata[i];

      g_assert_cmpint (ub_rom_release_get_package (r), ==, UB_ROM_PACKAGE_FASTBOOT);
      g_assert_cmpint (ub_rom_release_get_branch (r), ==, UB_ROM_BRANCH_STABLE);
      g_assert_cmpint (ub_rom_release_get_edition (r), ==, UB_ROM_EDITION_NONE);
      g_assert_cmpuint (ub_rom_release_get_size (r), >=, 1000000);
      g_assert_cmpstr (ub_rom_release_get_product (r), ==, "houji");
      g_assert_true (g_str_has_suffix (ub_rom_release_get_file_name (r), ".tgz"));
    }
  /* the newest: China, 2026-07-27 (id, in, ru, tw the same day) */
  g_assert_cmpstr (ub_rom_release_get_date (releases->pdata[0]), ==, "2026-07-27");

  global = find_region (releases, UB_ROM_REGION_GLOBAL);
  g_assert_cmpstr (ub_rom_release_get_version (global), ==, "OS3.0.303.0.WNCMIXM");
  g_assert_cmpstr (ub_rom_release_get_codename (global), ==, "houji_global");
  g_assert_cmpstr (ub_rom_release_get_android (global), ==, "16.0");
  g_assert_cmpstr (ub_rom_release_get_date (global), ==, "2026-07-20");
  g_assert_true (g_str_has_prefix (ub_rom_release_get_md5 (global), "e67bb2459e60"));
  g_assert_cmpstr (ub_rom_release_get_md5_prefix (global), ==, "e67bb2459e");
  g_assert_cmpuint (ub_rom_release_get_size (global), ==, 8800000000);
  g_assert_false (ub_rom_release_get_size_exact (global));
  g_assert_cmpstr (ub_rom_release_get_model_name (global), ==, "Xiaomi 14 Global");
  g_assert_cmpstr (ub_rom_release_get_file_name (global), ==,
                   "houji_global_images_OS3.0.303.0.WNCMIXM_20260720.0000.00_16.0_global_e67bb2459e.tgz");

  eea = find_region (releases, UB_ROM_REGION_EEA);
  g_assert_cmpstr (ub_rom_release_get_version (eea), ==, "OS3.0.303.0.WNCEUXM");
  turkey = find_region (releases, UB_ROM_REGION_TURKEY);
  g_assert_cmpstr (ub_rom_release_get_version (turkey), ==, "OS1.0.1.0.UNCTRXM");
  /* the build date from the name, not the record's 2024-02-29 */
  g_assert_cmpstr (ub_rom_release_get_date (turkey), ==, "2023-12-08");
  g_assert_cmpstr (ub_rom_release_get_android (turkey), ==, "14.0");
  /* the last is the oldest */
  g_assert_true (releases->pdata[releases->len - 1] == turkey);

  /* the product is not case-sensitive */
  {
    g_autoptr(GPtrArray) upper = ub_rom_catalog_find (catalog, "HOUJI", UB_ROM_QUERY_DEFAULT);

    g_assert_cmpuint (upper->len, ==, 8);
  }
}

static void
test_houji_flags (void)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (TRUE);
  g_autoptr(GPtrArray) plain = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_DEFAULT);
  g_autoptr(GPtrArray) special = ub_rom_catalog_find (catalog, "houji",
                                                      UB_ROM_QUERY_SPECIAL | UB_ROM_QUERY_HISTORY);
  g_autoptr(GPtrArray) recovery = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_RECOVERY);
  g_autoptr(GPtrArray) beta = ub_rom_catalog_find (catalog, "houji",
                                                   UB_ROM_QUERY_RECOVERY | UB_ROM_QUERY_BETA);
  gboolean demo = FALSE, carrier = FALSE;
  UbRomRelease *r;

  /* the history adds no region and no special build by default */
  g_assert_cmpuint (plain->len, ==, 8);
  for (guint i = 0; i < plain->len; i++)
    g_assert_cmpint (ub_rom_release_get_edition (plain->pdata[i]), ==, UB_ROM_EDITION_NONE);

  for (guint i = 0; i < special->len; i++)
    {
      UbRomRelease *s = special->pdata[i];
      UbRomEdition e = ub_rom_release_get_edition (s);

      if (g_str_equal (ub_rom_release_get_codename (s), "houji_demo"))
        {
          g_assert_true (e & UB_ROM_EDITION_DEMO);
          g_assert_cmpint (ub_rom_release_get_region (s), ==, UB_ROM_REGION_CHINA);
          demo = TRUE;
        }
      if (strstr (ub_rom_release_get_file_name (s), "_chinatelecom_") != NULL)
        {
          g_assert_true (e & UB_ROM_EDITION_CARRIER);
          carrier = TRUE;
        }
    }
  g_assert_true (demo);
  g_assert_true (carrier);

  /* recovery packages only when asked for, and then only those */
  g_assert_cmpuint (recovery->len, ==, 6);  /* CN, Global, EEA, RU, IN, TR: no ID or TW recovery in the samples */
  for (guint i = 0; i < recovery->len; i++)
    g_assert_cmpint (ub_rom_release_get_package (recovery->pdata[i]), ==, UB_ROM_PACKAGE_RECOVERY);
  r = find_region (recovery, UB_ROM_REGION_TURKEY);
  g_assert_nonnull (r);
  g_assert_cmpstr (ub_rom_release_get_file_name (r), ==, "miui_HOUJITRGlobal_OS1.0.1.0.UNCTRXM_98f8e61a8f_14.0.zip");
  g_assert_null (find_version (recovery, "OS1.0.24.7.28.DEV"));
  /* the DEV build (recovery only: its fastboot is "") is a beta */
  r = find_version (beta, "OS1.0.24.7.28.DEV");
  g_assert_nonnull (r);
  g_assert_cmpint (ub_rom_release_get_branch (r), ==, UB_ROM_BRANCH_BETA);
  g_assert_cmpint (ub_rom_release_get_region (r), ==, UB_ROM_REGION_CHINA);
  g_assert_cmpstr (ub_rom_release_get_date (r), ==, "2024-08-02");
  {
    g_autoptr(GPtrArray) fastboot_beta = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_BETA);

    g_assert_null (find_version (fastboot_beta, "OS1.0.24.7.28.DEV"));
  }
}

static void
test_houji_history (void)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (TRUE);
  g_autoptr(GPtrArray) all = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_HISTORY);
  g_autoptr(GPtrArray) latest_only = NULL;
  UbRomRelease *older, *newest;
  guint global = 0;

  assert_newest_first (all);
  for (guint i = 0; i < all->len; i++)
    {
      g_assert_cmpint (ub_rom_release_get_package (all->pdata[i]), ==, UB_ROM_PACKAGE_FASTBOOT);
      g_assert_cmpint (ub_rom_release_get_edition (all->pdata[i]), ==, UB_ROM_EDITION_NONE);
      if (ub_rom_release_get_region (all->pdata[i]) == UB_ROM_REGION_GLOBAL)
        global++;
    }
  /* Global: 4 in the history, the newest of them also in latest.yml */
  g_assert_cmpuint (global, ==, 4);
  /* CN 4, Global 4, EEA 3, RU 2, IN 2, TR 1 from the history; ID and TW from latest.yml */
  g_assert_cmpuint (all->len, ==, 18);

  older = find_version (all, "OS3.0.302.0.WNCMIXM");
  g_assert_nonnull (older);
  g_assert_null (ub_rom_release_get_md5 (older));
  g_assert_cmpstr (ub_rom_release_get_md5_prefix (older), ==, "94f8b0ed66");
  g_assert_cmpstr (ub_rom_release_get_date (older), ==, "2026-05-25");
  g_assert_cmpuint (ub_rom_release_get_size (older), ==, 0);
  g_assert_cmpstr (ub_rom_release_get_model_name (older), ==, "Xiaomi 14");
  /* merged by file name: latest.yml's MD5 and size stay */
  newest = find_version (all, "OS3.0.303.0.WNCMIXM");
  g_assert_true (g_str_has_prefix (ub_rom_release_get_md5 (newest), "e67bb2459e60"));
  g_assert_cmpuint (ub_rom_release_get_size (newest), ==, 8800000000);
  g_assert_cmpstr (ub_rom_release_get_model_name (newest), ==, "Xiaomi 14 Global");

  /* the history alone (another catalog, other order): the same newest Global */
  {
    g_autoptr(UbRomCatalog) history_first = ub_rom_catalog_new ();
    g_autoptr(GBytes) json = fixture ("catalog/hyperdata-houji.trimmed.json");
    g_autoptr(GBytes) yaml = fixture ("catalog/xfu-latest.trimmed.yml");
    g_autoptr(UbRomRelease) g = NULL;

    g_assert_true (ub_rom_catalog_load_history (history_first, json, NULL));
    g = ub_rom_catalog_find_latest (history_first, "houji", UB_ROM_REGION_GLOBAL, UB_ROM_QUERY_DEFAULT);
    g_assert_cmpstr (ub_rom_release_get_version (g), ==, "OS3.0.303.0.WNCMIXM");
    g_assert_null (ub_rom_release_get_md5 (g));
    g_clear_object (&g);
    g_assert_true (ub_rom_catalog_load_latest (history_first, yaml, NULL));
    g = ub_rom_catalog_find_latest (history_first, "houji", UB_ROM_REGION_GLOBAL, UB_ROM_QUERY_DEFAULT);
    g_assert_true (g_str_has_prefix (ub_rom_release_get_md5 (g), "e67bb2459e60"));
  }

  latest_only = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_DEFAULT);
  g_assert_cmpuint (latest_only->len, ==, 8);
}

static void
test_regions_and_matching (void)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (FALSE);
  g_autoptr(GPtrArray) apollo = ub_rom_catalog_find (catalog, "apollo", UB_ROM_QUERY_DEFAULT);
  g_autoptr(GPtrArray) dandelion = ub_rom_catalog_find (catalog, "dandelion", UB_ROM_QUERY_BETA | UB_ROM_QUERY_SPECIAL);
  g_autoptr(GPtrArray) c3l2 = ub_rom_catalog_find (catalog, "dandelion_c3l2", UB_ROM_QUERY_DEFAULT);
  g_autoptr(GPtrArray) c3l2_beta = ub_rom_catalog_find (catalog, "dandelion_c3l2", UB_ROM_QUERY_BETA);
  g_autoptr(GPtrArray) sweet = ub_rom_catalog_find (catalog, "sweet_k6a", UB_ROM_QUERY_DEFAULT);
  g_autoptr(GPtrArray) sweet_short = ub_rom_catalog_find (catalog, "sweet", UB_ROM_QUERY_DEFAULT);
  g_autoptr(GPtrArray) laurel = ub_rom_catalog_find (catalog, "laurel_sprout", UB_ROM_QUERY_HISTORY);
  g_autoptr(GPtrArray) curtana = ub_rom_catalog_find (catalog, "curtana", UB_ROM_QUERY_DEFAULT);
  g_autoptr(GPtrArray) curtana_all = ub_rom_catalog_find (catalog, "curtana", UB_ROM_QUERY_SPECIAL);
  g_autoptr(GPtrArray) arctic = ub_rom_catalog_find (catalog, "arctic", UB_ROM_QUERY_DEFAULT);
  g_autoptr(GPtrArray) ruby = ub_rom_catalog_find (catalog, "ruby", UB_ROM_QUERY_DEFAULT);
  g_autoptr(GPtrArray) alioth = ub_rom_catalog_find (catalog, "alioth", UB_ROM_QUERY_DEFAULT);
  g_autoptr(GPtrArray) alioth_beta = ub_rom_catalog_find (catalog, "alioth", UB_ROM_QUERY_BETA);
  g_autoptr(GPtrArray) aries = ub_rom_catalog_find (catalog, "aries", UB_ROM_QUERY_BETA);
  g_autoptr(GPtrArray) nothing = ub_rom_catalog_find (catalog, "hou", UB_ROM_QUERY_HISTORY);
  g_autoptr(GPtrArray) empty = ub_rom_catalog_find (catalog, "", UB_ROM_QUERY_HISTORY);

  /* its file name says "global"; codename and build say Russia */
  g_assert_cmpuint (apollo->len, ==, 1);
  g_assert_cmpint (ub_rom_release_get_region (apollo->pdata[0]), ==, UB_ROM_REGION_RUSSIA);

  g_assert_cmpuint (dandelion->len, ==, 0);
  g_assert_cmpuint (c3l2->len, ==, 1);
  g_assert_cmpint (ub_rom_release_get_region (c3l2->pdata[0]), ==, UB_ROM_REGION_INDONESIA);
  g_assert_cmpuint (c3l2_beta->len, ==, 2);
  g_assert_nonnull (find_region (c3l2_beta, UB_ROM_REGION_CHINA));

  g_assert_cmpuint (sweet->len, ==, 1);
  g_assert_cmpint (ub_rom_release_get_region (sweet->pdata[0]), ==, UB_ROM_REGION_GLOBAL);
  g_assert_cmpuint (sweet_short->len, ==, 0);

  /* the dead "350 Bytes" row */
  g_assert_cmpuint (laurel->len, ==, 0);

  /* "curtana_in_rf_global" (build …INRF) is India, a special edition */
  g_assert_cmpuint (curtana->len, ==, 0);
  g_assert_cmpuint (curtana_all->len, ==, 1);
  g_assert_cmpint (ub_rom_release_get_region (curtana_all->pdata[0]), ==, UB_ROM_REGION_INDIA);
  g_assert_true (ub_rom_release_get_edition (curtana_all->pdata[0]) & UB_ROM_EDITION_CARRIER);

  /* hyphen names */
  g_assert_cmpuint (arctic->len, ==, 2);
  g_assert_cmpint (ub_rom_release_get_region (arctic->pdata[0]), ==, UB_ROM_REGION_GLOBAL);
  g_assert_cmpstr (ub_rom_release_get_md5_prefix (arctic->pdata[0]), ==, "5463323933");
  g_assert_cmpint (ub_rom_release_get_region (arctic->pdata[1]), ==, UB_ROM_REGION_EEA);

  g_assert_cmpuint (ruby->len, ==, 1);
  g_assert_cmpint (ub_rom_release_get_region (ruby->pdata[0]), ==, UB_ROM_REGION_KOREA);

  /* alioth: 8 stable regions; the weekly and the DEV build only on request */
  g_assert_cmpuint (alioth->len, ==, 8);
  g_assert_null (find_version (alioth, "22.1.19"));
  g_assert_cmpuint (alioth_beta->len, ==, 10);
  g_assert_cmpint (ub_rom_release_get_branch (find_version (alioth_beta, "22.1.19")), ==, UB_ROM_BRANCH_WEEKLY);
  g_assert_cmpint (ub_rom_release_get_branch (find_version (alioth_beta, "V14.0.23.1.30.DEV")), ==, UB_ROM_BRANCH_BETA);
  g_assert_cmpint (ub_rom_release_get_region (find_version (alioth_beta, "22.1.19")), ==, UB_ROM_REGION_CHINA);

  g_assert_cmpuint (aries->len, ==, 1);
  g_assert_cmpuint (ub_rom_release_get_size (aries->pdata[0]), ==, 958400000);

  g_assert_cmpuint (nothing->len, ==, 0);
  g_assert_cmpuint (empty->len, ==, 0);
}

static void
test_begonia (void)
{
  const char *yaml =
    "- android: '11.0'\n"
    "  branch: Stable\n"
    "  codename: begonia\n"
    "  date: 2021-08-01\n"
    "  link: https://cdnorg.d.miui.com/V12.5.3.0.RGGCNXM/begonia_images_V12.5.3.0.RGGCNXM_20210801.0000.00_11.0_cn_1111111111.tgz\n"
    "  md5: null\n"
    "  method: Fastboot\n"
    "  name: Redmi Note 8 Pro China\n"
    "  size: 3.1 GB\n"
    "  version: V12.5.3.0.RGGCNXM\n"
    "- android: '11.0'\n"
    "  branch: Stable\n"
    "  codename: begoniain_global\n"
    "  date: 2021-09-01\n"
    "  link: https://cdnorg.d.miui.com/V12.5.4.0.RGGMIXM/begoniain_global_images_V12.5.4.0.RGGMIXM_20210901.0000.00_11.0_global_2222222222.tgz\n"
    "  md5: null\n"
    "  method: Fastboot\n"
    "  name: Redmi Note 8 Pro Global\n"
    "  size: 3.2 GB\n"
    "  version: V12.5.4.0.RGGMIXM\n"
    /* a file name that is not plain is skipped */
    "- android: '11.0'\n"
    "  branch: Stable\n"
    "  codename: begonia\n"
    "  date: 2021-08-02\n"
    "  link: https://cdnorg.d.miui.com/V12.5.6.0.RGGCNXM/begonia_images_V12.5.6.0.RGGCNXM_20210802.0000.00_11.0_cn_4444444444%0a.tgz\n"
    "  md5: null\n"
    "  method: Fastboot\n"
    "  name: Redmi Note 8 Pro China\n"
    "  size: 3.1 GB\n"
    "  version: V12.5.6.0.RGGCNXM\n"
    /* a row whose codename and build disagree is skipped */
    "- android: '11.0'\n"
    "  branch: Stable\n"
    "  codename: begonia_global\n"
    "  date: 2021-10-01\n"
    "  link: https://cdnorg.d.miui.com/V12.5.5.0.RGGEUXM/begonia_global_images_V12.5.5.0.RGGEUXM_20211001.0000.00_11.0_global_3333333333.tgz\n"
    "  md5: null\n"
    "  method: Fastboot\n"
    "  name: Redmi Note 8 Pro Global\n"
    "  size: 3.3 GB\n"
    "  version: V12.5.5.0.RGGEUXM\n";
  g_autoptr(UbRomCatalog) catalog = ub_rom_catalog_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static (yaml, strlen (yaml));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) begonia = NULL;
  g_autoptr(GPtrArray) begoniain = NULL;
  g_autofree char *model = NULL;

  g_assert_true (ub_rom_catalog_load_latest (catalog, bytes, &error));
  g_assert_no_error (error);
  begonia = ub_rom_catalog_find (catalog, "begonia", UB_ROM_QUERY_HISTORY | UB_ROM_QUERY_BETA | UB_ROM_QUERY_SPECIAL);
  g_assert_cmpuint (begonia->len, ==, 1);
  g_assert_cmpstr (ub_rom_release_get_version (begonia->pdata[0]), ==, "V12.5.3.0.RGGCNXM");
  begoniain = ub_rom_catalog_find (catalog, "begoniain", UB_ROM_QUERY_DEFAULT);
  g_assert_cmpuint (begoniain->len, ==, 1);
  g_assert_cmpint (ub_rom_release_get_region (begoniain->pdata[0]), ==, UB_ROM_REGION_GLOBAL);
  model = ub_rom_catalog_dup_model_name (catalog, "begonia");
  g_assert_cmpstr (model, ==, "Redmi Note 8 Pro");
}

static void
test_model_latest_urls (void)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (FALSE);
  g_autofree char *houji = ub_rom_catalog_dup_model_name (catalog, "houji");
  g_autofree char *alioth = ub_rom_catalog_dup_model_name (catalog, "alioth");
  g_autofree char *none = ub_rom_catalog_dup_model_name (catalog, "nokia");
  g_autoptr(UbRomRelease) eea = ub_rom_catalog_find_latest (catalog, "houji", UB_ROM_REGION_EEA, UB_ROM_QUERY_DEFAULT);
  g_autoptr(UbRomRelease) korea = ub_rom_catalog_find_latest (catalog, "houji", UB_ROM_REGION_KOREA, UB_ROM_QUERY_DEFAULT);
  const char *mirrors[] = { "https://a.example", "https://b.example/", "", NULL };
  g_auto(GStrv) urls = NULL;
  g_auto(GStrv) none_urls = NULL;

  g_assert_cmpstr (houji, ==, "Xiaomi 14");
  g_assert_cmpstr (alioth, ==, "POCO F3");   /* the Global name first */
  g_assert_null (none);

  g_assert_nonnull (eea);
  g_assert_cmpstr (ub_rom_release_get_version (eea), ==, "OS3.0.303.0.WNCEUXM");
  g_assert_null (korea);

  urls = ub_rom_release_dup_urls (eea, mirrors);
  g_assert_cmpuint (g_strv_length (urls), ==, 2);
  g_assert_cmpstr (urls[0], ==, "https://a.example/OS3.0.303.0.WNCEUXM/"
                   "houji_eea_global_images_OS3.0.303.0.WNCEUXM_20260720.0000.00_16.0_eea_389ba3cf60.tgz");
  g_assert_cmpstr (urls[1], ==, "https://b.example/OS3.0.303.0.WNCEUXM/"
                   "houji_eea_global_images_OS3.0.303.0.WNCEUXM_20260720.0000.00_16.0_eea_389ba3cf60.tgz");
  none_urls = ub_rom_release_dup_urls (eea, NULL);
  g_assert_nonnull (none_urls);
  g_assert_null (none_urls[0]);
}

static void
test_default_mirrors (void)
{
  g_auto(GStrv) builtin = NULL;
  g_auto(GStrv) from_env = NULL;

  g_unsetenv ("UNBRICK_MIRRORS");
  builtin = ub_rom_catalog_dup_default_mirrors ();
  g_assert_cmpuint (g_strv_length (builtin), ==, 5);
  g_assert_cmpstr (builtin[0], ==, "https://bkt-sgp-miui-ota-update-alisgp.oss-ap-southeast-1.aliyuncs.com");
  g_assert_cmpstr (builtin[1], ==, "https://cdnorg.d.miui.com");
  g_assert_cmpstr (builtin[4], ==, "https://superota.d.miui.com");

  g_setenv ("UNBRICK_MIRRORS", " https://127.0.0.1:1/ ,,http://localhost:2", TRUE);
  from_env = ub_rom_catalog_dup_default_mirrors ();
  g_unsetenv ("UNBRICK_MIRRORS");
  g_assert_cmpuint (g_strv_length (from_env), ==, 2);
  g_assert_cmpstr (from_env[0], ==, "https://127.0.0.1:1/");
  g_assert_cmpstr (from_env[1], ==, "http://localhost:2");
}

/* Each bad input: BAD_DATA, no "changed", the catalog as it was. */
static void
assert_refused (UbRomCatalog *catalog,
                gboolean      json,
                GBytes       *data,
                const char   *what,
                const char   *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_HISTORY | UB_ROM_QUERY_SPECIAL);
  g_autoptr(GPtrArray) after = NULL;
  guint changed = 0;
  gulong id = g_signal_connect (catalog, "changed", G_CALLBACK (count_cb), &changed);
  gboolean ok;

  g_test_message ("%s", what);
  ok = json ? ub_rom_catalog_load_history (catalog, data, &error)
            : ub_rom_catalog_load_latest (catalog, data, &error);
  g_assert_false (ok);
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_test_message ("  → %s", error->message);
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
  g_assert_cmpuint (changed, ==, 0);
  g_signal_handler_disconnect (catalog, id);
  after = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_HISTORY | UB_ROM_QUERY_SPECIAL);
  g_assert_cmpuint (after->len, ==, before->len);
}

static GBytes *
bytes_printf (const char *format,
              ...) G_GNUC_PRINTF (1, 2);

static GBytes *
bytes_printf (const char *format,
              ...)
{
  va_list args;
  char *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  return g_bytes_new_take (text, strlen (text));
}

static void
test_bad_latest (void)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (FALSE);
  g_autoptr(GBytes) good = fixture ("catalog/xfu-latest.trimmed.yml");
  gsize len;
  const char *text = g_bytes_get_data (good, &len);
  const char *cut;
  g_autoptr(GBytes) truncated_row = NULL;
  g_autoptr(GBytes) truncated_version = NULL;
  g_autoptr(GBytes) truncated_quote = NULL;
  g_autoptr(GBytes) malformed = bytes_printf ("- codename: houji\n  link: [unclosed\n- x: 1\n");
  g_autoptr(GBytes) mapping = bytes_printf ("codename: houji\nversion: OS1.0.0.0.UNCCNXM\n");
  g_autoptr(GBytes) scalar = bytes_printf ("just text\n");
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) list_of_lists = bytes_printf ("- - a\n  - b\n");
  g_autoptr(GBytes) bad_md5 = NULL;
  g_autoptr(GBytes) two_docs = bytes_printf ("[]\n---\n- b: 2\n");
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GBytes) deep = NULL;
  g_autoptr(GBytes) many = NULL;
  g_autoptr(GString) s = NULL;
  char *big;

  /* cut inside the last record (a whole line, then in the middle of its version) */
  cut = g_strrstr (text, "  size: 6.4 GB\n  version: OS1.0.34.0.THGMIXM");
  g_assert_nonnull (cut);
  truncated_row = g_bytes_new_static (text, (gsize) (cut - text));
  truncated_version = g_bytes_new_static (text, (gsize) (cut - text) + strlen ("  size: 6.4 GB\n  version: OS1.0.34"));
  truncated_quote = g_bytes_new_static (text, (gsize) (g_strrstr (text, "- android: '13.0'") - text) + 14);
  assert_refused (catalog, FALSE, truncated_row, "truncated between lines", "has no “version”");
  assert_refused (catalog, FALSE, truncated_version, "truncated in a version", "cut short");
  assert_refused (catalog, FALSE, truncated_quote, "truncated in a quoted string", "line ");
  assert_refused (catalog, FALSE, malformed, "malformed", "line ");
  assert_refused (catalog, FALSE, mapping, "a mapping", "not a list");
  assert_refused (catalog, FALSE, scalar, "a scalar", "not a list");
  assert_refused (catalog, FALSE, empty, "empty", "not a list");
  assert_refused (catalog, FALSE, list_of_lists, "a list of lists", "not a mapping");
  assert_refused (catalog, FALSE, two_docs, "two documents", "document");

  /* the last record's MD5 not one: refused; the same in the middle: that row left out */
  s = g_string_new (text);
  g_string_replace (s, "md5: db576dd8ef", "md5: zz", 1);
  bad_md5 = g_bytes_new (s->str, s->len);
  assert_refused (catalog, FALSE, bad_md5, "a bad MD5 at the end", "MD5");
  g_string_free (g_steal_pointer (&s), TRUE);
  {
    g_autoptr(UbRomCatalog) fresh = ub_rom_catalog_new ();
    g_autoptr(GBytes) odd = NULL;
    g_autoptr(GPtrArray) houji = NULL;
    g_autoptr(GError) error = NULL;

    s = g_string_new (text);
    g_string_replace (s, "md5: e67bb2459e60", "md5: zz", 1);                        /* houji_global */
    g_string_replace (s, "  version: OS3.0.303.0.WNCEUXM\n", "", 1);                  /* houji_eea_global */
    odd = g_bytes_new (s->str, s->len);
    g_string_free (g_steal_pointer (&s), TRUE);
    g_assert_true (ub_rom_catalog_load_latest (fresh, odd, &error));
    g_assert_no_error (error);
    houji = ub_rom_catalog_find (fresh, "houji", UB_ROM_QUERY_DEFAULT);
    g_assert_cmpuint (houji->len, ==, 6);
    g_assert_null (find_region (houji, UB_ROM_REGION_GLOBAL));
    g_assert_null (find_region (houji, UB_ROM_REGION_EEA));
  }

  /* over the limits: 32 MiB + 1, nesting, records */
  big = g_malloc (32 * 1024 * 1024 + 1);
  memset (big, ' ', 32 * 1024 * 1024 + 1);
  huge = g_bytes_new_take (big, 32 * 1024 * 1024 + 1);
  assert_refused (catalog, FALSE, huge, "over 32 MiB", "32 MiB");

  s = g_string_new ("- a: ");
  for (guint i = 0; i < 100; i++)
    g_string_append_c (s, '[');
  deep = g_bytes_new (s->str, s->len);
  assert_refused (catalog, FALSE, deep, "nested too deeply", "nested");
  g_string_free (g_steal_pointer (&s), TRUE);

  s = g_string_new (NULL);
  for (guint i = 0; i < 100001; i++)
    g_string_append (s, "- {codename: x, branch: x, link: x, size: x, version: x}\n");  /* skipped rows */
  many = g_bytes_new (s->str, s->len);
  assert_refused (catalog, FALSE, many, "too many records", "too many");
}

static void
test_bad_history (void)
{
  g_autoptr(UbRomCatalog) catalog = catalog_new (FALSE);
  g_autoptr(GBytes) good = fixture ("catalog/hyperdata-houji.trimmed.json");
  gsize len;
  const char *text = g_bytes_get_data (good, &len);
  g_autoptr(GBytes) truncated = g_bytes_new_static (text, len / 2);
  g_autoptr(GBytes) malformed = bytes_printf ("{\"branches\": [ {\"branchCode\": \"houji\", } ]}");
  g_autoptr(GBytes) list = bytes_printf ("[1, 2, 3]");
  g_autoptr(GBytes) no_branches = bytes_printf ("{\"device\": \"houji\"}");
  g_autoptr(GBytes) bad_branch = bytes_printf ("{\"branches\": [ {\"branchCode\": \"houji\", \"roms\": []} ]}");
  g_autoptr(GBytes) bad_rom = bytes_printf ("{\"branches\": [ {\"branchCode\": \"houji\", \"roms\": {\"x\": 1}} ]}");
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GBytes) deep = NULL;
  g_autoptr(GString) s = g_string_new ("{\"branches\": ");
  char *big;

  assert_refused (catalog, TRUE, truncated, "truncated", NULL);
  assert_refused (catalog, TRUE, malformed, "malformed", NULL);
  assert_refused (catalog, TRUE, list, "a list", "not an object");
  assert_refused (catalog, TRUE, no_branches, "no branches", "branches");
  assert_refused (catalog, TRUE, bad_branch, "roms is a list", NULL);
  assert_refused (catalog, TRUE, bad_rom, "a ROM is a number", NULL);
  assert_refused (catalog, TRUE, empty, "empty", NULL);

  big = g_malloc (8 * 1024 * 1024 + 1);
  memset (big, ' ', 8 * 1024 * 1024 + 1);
  huge = g_bytes_new_take (big, 8 * 1024 * 1024 + 1);
  assert_refused (catalog, TRUE, huge, "over 8 MiB", "8 MiB");

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (s, '[');
  deep = g_bytes_new (s->str, s->len);
  assert_refused (catalog, TRUE, deep, "nested too deeply", "nested");
}

static gpointer
load_in_thread (gpointer catalog)
{
  g_autoptr(GBytes) yaml = fixture ("catalog/xfu-latest.trimmed.yml");

  g_assert_true (ub_rom_catalog_load_latest (catalog, yaml, NULL));
  return NULL;
}

static void
test_changed (void)
{
  g_autoptr(UbRomCatalog) catalog = ub_rom_catalog_new ();
  g_autoptr(GBytes) yaml = fixture ("catalog/xfu-latest.trimmed.yml");
  g_autoptr(GBytes) json = fixture ("catalog/hyperdata-houji.trimmed.json");
  guint changed = 0;

  g_signal_connect (catalog, "changed", G_CALLBACK (count_cb), &changed);
  g_assert_true (ub_rom_catalog_load_latest (catalog, yaml, NULL));
  g_assert_cmpuint (changed, ==, 1);
  g_assert_true (ub_rom_catalog_load_history (catalog, json, NULL));
  g_assert_cmpuint (changed, ==, 2);
  /* loading the same again changes nothing in the result */
  g_assert_true (ub_rom_catalog_load_latest (catalog, yaml, NULL));
  g_assert_cmpuint (changed, ==, 3);

  /* from a worker (the main context free to take): only once the main context runs */
  {
    g_autoptr(GThread) worker = g_thread_new ("load", load_in_thread, catalog);

    g_thread_join (g_steal_pointer (&worker));
    g_assert_cmpuint (changed, ==, 3);
    while (changed < 4)
      g_main_context_iteration (NULL, TRUE);
  }
  assert_count (catalog, "houji", UB_ROM_QUERY_DEFAULT, 8);
}

/* ---- update() against a local server */

/* A server on its own thread (update() blocks the test's thread). */
typedef struct {
  GMutex        lock;
  GCond         cond;
  GBytes       *latest;
  GBytes       *history;
  guint         requests;
  char         *base;
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
} Server;

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Server *s = user_data;
  g_autoptr(GBytes) body = NULL;

  g_mutex_lock (&s->lock);
  s->requests++;
  if (g_str_equal (path, "/latest.yml"))
    body = g_bytes_ref (s->latest);
  else if (g_str_equal (path, "/devices/houji.json"))
    body = g_bytes_ref (s->history);
  g_mutex_unlock (&s->lock);
  if (body == NULL)
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gpointer
server_thread (gpointer user_data)
{
  Server *s = user_data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (s->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, server_cb, s, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_mutex_lock (&s->lock);
  s->base = g_strdup_printf ("http://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (s->loop);
  soup_server_disconnect (server);
  while (g_main_context_iteration (s->context, FALSE))
    ;
  g_main_context_pop_thread_default (s->context);
  return NULL;
}

static void
server_start (Server *s)
{
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->context = g_main_context_new ();
  s->loop = g_main_loop_new (s->context, FALSE);
  s->thread = g_thread_new ("test-server", server_thread, s);
  g_mutex_lock (&s->lock);
  while (s->base == NULL)
    g_cond_wait (&s->cond, &s->lock);
  g_mutex_unlock (&s->lock);
}

static void
server_stop (Server *s)
{
  g_main_context_invoke (s->context, quit_cb, s->loop);
  g_thread_join (s->thread);
  g_main_loop_unref (s->loop);
  g_main_context_unref (s->context);
  g_bytes_unref (s->latest);
  g_bytes_unref (s->history);
  g_free (s->base);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
}

static guint
server_requests (Server *s)
{
  guint n;

  g_mutex_lock (&s->lock);
  n = s->requests;
  g_mutex_unlock (&s->lock);
  return n;
}

static void
server_set_latest (Server *s,
                   GBytes *latest)
{
  g_mutex_lock (&s->lock);
  g_bytes_unref (s->latest);
  s->latest = latest;
  g_mutex_unlock (&s->lock);
}

typedef struct {
  GMainLoop    *loop;
  gboolean      ok;
  GError       *error;
} Wait;

static void
update_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *w = user_data;

  w->ok = ub_rom_catalog_update_finish (UB_ROM_CATALOG (source), result, &w->error);
  g_main_loop_quit (w->loop);
}

static void
test_update (void)
{
  Server s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ub_test_make_tmp_dir ("catalog-XXXXXX");
  g_autofree char *cached_history = g_build_filename (dir, "history", "houji.json", NULL);
  g_autofree char *cached_latest = g_build_filename (dir, "latest.yml", NULL);
  g_autofree char *latest_url = NULL;
  g_autofree char *history_url = NULL;
  g_autoptr(UbRomCatalog) catalog = ub_rom_catalog_new ();
  g_autoptr(UbRomCatalog) second = NULL;
  g_autoptr(UbRomCatalog) third = NULL;
  g_autoptr(UbProgress) progress = ub_progress_new ();
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Wait w = { loop, FALSE, NULL };
  guint changed = 0;

  s.latest = fixture ("catalog/xfu-latest.trimmed.yml");
  s.history = fixture ("catalog/hyperdata-houji.trimmed.json");
  server_start (&s);
  latest_url = g_strconcat (s.base, "latest.yml", NULL);
  history_url = g_strconcat (s.base, "devices", NULL);  /* a "/" is added */

  ub_rom_catalog_set_sources (catalog, latest_url, history_url);
  ub_rom_catalog_set_cache_dir (catalog, dir);
  g_signal_connect (catalog, "changed", G_CALLBACK (count_cb), &changed);
  g_assert_null (ub_rom_catalog_get_fetched (catalog));
  ub_rom_catalog_update_async (catalog, "houji", progress, NULL, update_cb, &w);
  g_main_loop_run (loop);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  g_assert_cmpuint (changed, ==, 2);          /* latest.yml, then the history */
  g_assert_cmpuint (server_requests (&s), ==, 2);
  g_assert_true (ub_progress_get_done (progress));
  g_assert_cmpuint (ub_progress_get_n_steps (progress), ==, 2);
  g_assert_false (ub_rom_catalog_get_offline (catalog));
  g_assert_nonnull (ub_rom_catalog_get_fetched (catalog));
  g_assert_true (g_file_test (cached_latest, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (cached_history, G_FILE_TEST_IS_REGULAR));
  all = ub_rom_catalog_find (catalog, "houji", UB_ROM_QUERY_HISTORY);
  g_assert_cmpuint (all->len, ==, 18);

  /* the sources from the environment (over the settings), read by ub_rom_catalog_new() */
  {
    g_autofree char *env_dir = g_build_filename (dir, "env", NULL);
    g_autoptr(UbRomCatalog) from_env = NULL;

    g_setenv ("UNBRICK_CATALOG_URL", latest_url, TRUE);
    g_setenv ("UNBRICK_HISTORY_URL", history_url, TRUE);
    from_env = ub_rom_catalog_new ();
    g_unsetenv ("UNBRICK_CATALOG_URL");
    g_unsetenv ("UNBRICK_HISTORY_URL");
    ub_rom_catalog_set_cache_dir (from_env, env_dir);
    g_assert_true (ub_rom_catalog_update (from_env, "houji", NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (server_requests (&s), ==, 4);
    assert_count (from_env, "houji", UB_ROM_QUERY_HISTORY, 18);
  }

  /* a second catalog within max age: from the cache, no request */
  second = ub_rom_catalog_new ();
  ub_rom_catalog_set_sources (second, latest_url, history_url);
  ub_rom_catalog_set_cache_dir (second, dir);
  g_assert_true (ub_rom_catalog_update (second, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server_requests (&s), ==, 4);
  assert_count (second, "houji", UB_ROM_QUERY_HISTORY, 18);

  /* the server now sends a broken latest.yml: BAD_DATA, the cache is dropped */
  server_set_latest (&s, bytes_printf ("- codename: [\n"));
  third = ub_rom_catalog_new ();
  ub_rom_catalog_set_sources (third, latest_url, history_url);
  ub_rom_catalog_set_cache_dir (third, dir);
  ub_rom_catalog_set_max_age (third, 0);
  g_assert_false (ub_rom_catalog_update (third, "houji", NULL, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_clear_error (&error);
  g_assert_false (g_file_test (cached_latest, G_FILE_TEST_EXISTS));
  assert_count (third, "houji", UB_ROM_QUERY_HISTORY, 0);

  /* no history source is not an error */
  server_set_latest (&s, fixture ("catalog/xfu-latest.trimmed.yml"));
  ub_rom_catalog_set_sources (third, latest_url, "");
  g_assert_true (ub_rom_catalog_update (third, "houji", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_count (third, "houji", UB_ROM_QUERY_HISTORY, 8);

  server_stop (&s);

  /* the server is gone: the cached copies, saying so */
  {
    g_autoptr(UbRomCatalog) offline = ub_rom_catalog_new ();
    g_autoptr(UbRomCatalog) nothing = ub_rom_catalog_new ();
    g_autofree char *empty_dir = g_build_filename (dir, "empty", NULL);

    ub_rom_catalog_set_sources (offline, latest_url, history_url);
    ub_rom_catalog_set_cache_dir (offline, dir);
    ub_rom_catalog_set_max_age (offline, 0);
    g_assert_true (ub_rom_catalog_update (offline, "houji", NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (ub_rom_catalog_get_offline (offline));
    g_assert_nonnull (ub_rom_catalog_get_fetched (offline));
    assert_count (offline, "houji", UB_ROM_QUERY_HISTORY, 18);

    /* and with nothing cached: an error */
    ub_rom_catalog_set_sources (nothing, latest_url, history_url);
    ub_rom_catalog_set_cache_dir (nothing, empty_dir);
    g_assert_false (ub_rom_catalog_update (nothing, "houji", NULL, NULL, &error));
    g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK);
    g_clear_error (&error);
    assert_count (nothing, "houji", UB_ROM_QUERY_HISTORY, 0);

    /* a product that is not a codename is refused before any request */
    ub_rom_catalog_set_sources (nothing, latest_url, history_url);
    g_assert_false (ub_rom_catalog_update (nothing, "../etc", NULL, NULL, &error));
    g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_FAILED);
    g_clear_error (&error);

    /* plain http to another machine is refused before any request */
    ub_rom_catalog_set_sources (nothing, "http://catalog.invalid/latest.yml", NULL);
    g_assert_false (ub_rom_catalog_update (nothing, NULL, NULL, NULL, &error));
    g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
    g_clear_error (&error);
  }
  ub_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();
  g_test_add_func ("/catalog/houji-default", test_houji_default);
  g_test_add_func ("/catalog/houji-flags", test_houji_flags);
  g_test_add_func ("/catalog/houji-history", test_houji_history);
  g_test_add_func ("/catalog/regions-and-matching", test_regions_and_matching);
  g_test_add_func ("/catalog/begonia", test_begonia);
  g_test_add_func ("/catalog/model-latest-urls", test_model_latest_urls);
  g_test_add_func ("/catalog/default-mirrors", test_default_mirrors);
  g_test_add_func ("/catalog/bad-latest", test_bad_latest);
  g_test_add_func ("/catalog/bad-history", test_bad_history);
  g_test_add_func ("/catalog/changed", test_changed);
  g_test_add_func ("/catalog/update", test_update);
  return g_test_run ();
}
