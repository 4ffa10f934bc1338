/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ub_rom_name_parse(): real names from tests/fixtures/catalog and the odd forms. */
#include "config.h"

#include "ub-rom-name.h"
#include "ub-rom-region.h"

#define CDN "https://bkt-sgp-miui-ota-update-alisgp.oss-ap-southeast-1.aliyuncs.com/"

typedef struct {
  const char   *name;
  const char   *codename;
  const char   *region_word;
  const char   *version;
  const char   *region_code;
  const char   *date;
  const char   *android;
  const char   *md5_prefix;
  UbRomPackage  package;
  const char   *carrier;
  gboolean      pre;
  gboolean      debug;
} Case;

#define FB UB_ROM_PACKAGE_FASTBOOT
#define RE UB_ROM_PACKAGE_RECOVERY

static const Case cases[] = {
  /* underscore grammar */
  { "houji_global_images_OS3.0.303.0.WNCMIXM_20260720.0000.00_16.0_global_e67bb2459e.tgz",
    "houji_global", "global", "OS3.0.303.0.WNCMIXM", "MI", "2026-07-20", "16.0", "e67bb2459e", FB },
  { CDN "OS3.0.303.0.WNCEUXM/houji_eea_global_images_OS3.0.303.0.WNCEUXM_20260720.0000.00_16.0_eea_389ba3cf60.tgz",
    "houji_eea_global", "eea", "OS3.0.303.0.WNCEUXM", "EU", "2026-07-20", "16.0", "389ba3cf60", FB },
  { "houji_images_OS3.0.305.0.WNCCNXM_20260727.0000.00_16.0_cn_545a3c8afe.tgz",
    "houji", "cn", "OS3.0.305.0.WNCCNXM", "CN", "2026-07-27", "16.0", "545a3c8afe", FB },
  { "houji_tr_global_images_OS1.0.1.0.UNCTRXM_20231208.0000.00_14.0_tr_06ee22deb0.tgz",
    "houji_tr_global", "tr", "OS1.0.1.0.UNCTRXM", "TR", "2023-12-08", "14.0", "06ee22deb0", FB },
  /* the region word lies: a Russian build says "global" */
  { "https://bigota.d.miui.com/V14.0.1.0.SJDRUXM/apollo_ru_global_images_V14.0.1.0.SJDRUXM_20230329.0000.00_12.0_global_16973c1f20.tgz",
    "apollo_ru_global", "global", "V14.0.1.0.SJDRUXM", "RU", "2023-03-29", "12.0", "16973c1f20", FB },
  { "dandelion_c3l2_id_global_images_V12.5.16.0.RCZIDXM_20240325.0000.00_11.0_global_aea6f8608c.tgz",
    "dandelion_c3l2_id_global", "global", "V12.5.16.0.RCZIDXM", "ID", "2024-03-25", "11.0", "aea6f8608c", FB },
  { "laurel_sprout_eea_global_images_V12.0.23.0.RFQEUXM_20220815.0000.00_11.0_2d87b18c16.tgz",
    "laurel_sprout_eea_global", NULL, "V12.0.23.0.RFQEUXM", "EU", "2022-08-15", "11.0", "2d87b18c16", FB },
  /* no region word */
  { "blue_global_images_V816.0.5.0.UGRMIXM_20240328.0000.00_14.0_90379c256c.tgz",
    "blue_global", NULL, "V816.0.5.0.UGRMIXM", "MI", "2024-03-28", "14.0", "90379c256c", FB },
  { "sweet_k6a_global_images_OS1.0.34.0.THGMIXM_20260513.0000.00_13.0_global_db576dd8ef.tgz",
    "sweet_k6a_global", "global", "OS1.0.34.0.THGMIXM", "MI", "2026-05-13", "13.0", "db576dd8ef", FB },
  { "curtana_in_rf_global_images_V14.0.6.0.SJWINRF_20230918.0000.00_12.0_in_f06765fb7c.tgz",
    "curtana_in_rf_global", "in", "V14.0.6.0.SJWINRF", "IN", "2023-09-18", "12.0", "f06765fb7c", FB },
  /* weekly (_pre_) and DEV builds have no region letters */
  { "https://bigota.d.miui.com/22.1.19/alioth_pre_images_22.1.19_20220119.0000.00_12.0_cn_f640bad19f.tgz",
    "alioth", "cn", "22.1.19", NULL, "2022-01-19", "12.0", "f640bad19f", FB, NULL, TRUE },
  { "http://bigota.d.miui.com/7.11.16/aries_images_7.11.16_20171116.0000.00_5.0_cn_c9e11d4815.tgz",
    "aries", "cn", "7.11.16", NULL, "2017-11-16", "5.0", "c9e11d4815", FB },
  { "alioth_images_V14.0.23.1.30.DEV_20230131.0000.00_13.0_cn_3d9a22fe03.tgz",
    "alioth", "cn", "V14.0.23.1.30.DEV", NULL, "2023-01-31", "13.0", "3d9a22fe03", FB },
  /* carrier word */
  { "ares_images_V14.0.22.12.5.DEV_20221205.0000.00_13.0_cn_chinatelecom_eeef419b6c.tgz",
    "ares", "cn", "V14.0.22.12.5.DEV", NULL, "2022-12-05", "13.0", "eeef419b6c", FB, "chinatelecom" },
  { "houji_demo_images_OS2.0.208.0.VNCCNDM_20250626.0000.00_15.0_cn_chinatelecom_47e3623b8b.tgz",
    "houji_demo", "cn", "OS2.0.208.0.VNCCNDM", "CN", "2025-06-26", "15.0", "47e3623b8b", FB, "chinatelecom" },
  /* hyphen grammar */
  { CDN "OS3.0.8.0.WBVEUXM/arctic_eea_global-images-OS3.0.8.0.WBVEUXM-user-20260624.0000.00-16.0-eea-5b2771a432.tgz",
    "arctic_eea_global", "eea", "OS3.0.8.0.WBVEUXM", "EU", "2026-06-24", "16.0", "5b2771a432", FB },
  { "arctic_global-images-OS3.0.12.0.WBVMIXM-user-20260730.0000.00-16.0-global-5463323933.tgz",
    "arctic_global", "global", "OS3.0.12.0.WBVMIXM", "MI", "2026-07-30", "16.0", "5463323933", FB },
  { "serenity_eea_global-images-A15.0.15.0.VGWEUXM-user-20260727.0000.00-15.0-eea-232f893501.tgz",
    "serenity_eea_global", "eea", "A15.0.15.0.VGWEUXM", "EU", "2026-07-27", "15.0", "232f893501", FB },
  /* recovery packages */
  { "houji-ota_full-OS3.0.303.0.WNCCNXM-user-16.0-c5d245a441.zip",
    "houji", NULL, "OS3.0.303.0.WNCCNXM", "CN", NULL, "16.0", "c5d245a441", RE },
  { "https://bigota.d.miui.com/OS3.0.303.0.WNCMIXM/houji_global-ota_full-OS3.0.303.0.WNCMIXM-user-16.0-65f80983d2.zip",
    "houji_global", NULL, "OS3.0.303.0.WNCMIXM", "MI", NULL, "16.0", "65f80983d2", RE },
  { "miui_HOUJITRGlobal_OS1.0.1.0.UNCTRXM_98f8e61a8f_14.0.zip",
    "houji", "tr", "OS1.0.1.0.UNCTRXM", "TR", NULL, "14.0", "98f8e61a8f", RE },
  { "miui_HOUJI_OS1.0.24.7.28.DEV_1a66fc796c_14.0.zip",
    "houji", NULL, "OS1.0.24.7.28.DEV", NULL, NULL, "14.0", "1a66fc796c", RE },
  { "miui_ALIOTHGlobal_V12.5.1.0.RKHMIXM_8b2c1d0e9f_11.0.zip",
    "alioth", "global", "V12.5.1.0.RKHMIXM", "MI", NULL, "11.0", "8b2c1d0e9f", RE },
  /* .debug, a query string, a browser's duplicate, a path */
  { "houji_global_images_OS3.0.303.0.WNCMIXM_20260720.0000.00_16.0_global_e67bb2459e.debug.tgz",
    "houji_global", "global", "OS3.0.303.0.WNCMIXM", "MI", "2026-07-20", "16.0", "e67bb2459e", FB, NULL, FALSE, TRUE },
  { "https://cdnorg.d.miui.com/OS3.0.303.0.WNCMIXM/houji_global_images_OS3.0.303.0.WNCMIXM_20260720.0000.00_16.0_global_e67bb2459e.tgz?t=1723456789&s=ab#x",
    "houji_global", "global", "OS3.0.303.0.WNCMIXM", "MI", "2026-07-20", "16.0", "e67bb2459e", FB },
  { "/home/me/Downloads/garnet_images_OS3.0.306.0.WNRCNXM_20260715.0000.00_16.0_cn_0f51515e4e (1).tgz",
    "garnet", "cn", "OS3.0.306.0.WNRCNXM", "CN", "2026-07-15", "16.0", "0f51515e4e", FB },
  { "garnet_images_OS3.0.306.0.WNRCNXM_20260715.0000.00_16.0_cn_0F51515E4E(12).tgz",
    "garnet", "cn", "OS3.0.306.0.WNRCNXM", "CN", "2026-07-15", "16.0", "0f51515e4e", FB },
};

static void
test_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr(UbRomNameInfo) info = ub_rom_name_parse (c->name);

      g_test_message ("%s", c->name);
      g_assert_nonnull (info);
      g_assert_cmpstr (info->codename, ==, c->codename);
      g_assert_cmpstr (info->region_word, ==, c->region_word);
      g_assert_cmpstr (info->version, ==, c->version);
      g_assert_cmpstr (info->region_code, ==, c->region_code);
      g_assert_cmpstr (info->date, ==, c->date);
      g_assert_cmpstr (info->android, ==, c->android);
      g_assert_cmpstr (info->md5_prefix, ==, c->md5_prefix);
      g_assert_cmpint (info->package, ==, c->package);
      g_assert_cmpstr (info->carrier, ==, c->carrier);
      g_assert_cmpint (info->pre, ==, c->pre);
      g_assert_cmpint (info->debug, ==, c->debug);
      g_assert_null (strchr (info->file_name, '/'));
      g_assert_null (strchr (info->file_name, '?'));
    }
}

static void
test_file_name (void)
{
  g_autoptr(UbRomNameInfo) info =
    ub_rom_name_parse ("https://x.example/v/houji_images_OS3.0.7.0.WNCCNXM_20260127.0000.00_16.0_cn_098178eaeb.tgz?t=1");

  g_assert_nonnull (info);
  g_assert_cmpstr (info->file_name, ==, "houji_images_OS3.0.7.0.WNCCNXM_20260127.0000.00_16.0_cn_098178eaeb.tgz");
}

static void
test_not_a_rom (void)
{
  const char *names[] = {
    "", "/", "https://example.com/", "rom.tgz", "houji_global_images.tgz", "photo_2026.jpg",
    "houji_images_OS3.0_20260127.0000.00_16.0_cn_098178eaeb.tgz",   /* a build cut short */
    "houji_images_OS3.0.7.0.WNCcnXM_16.0.tgz",                     /* lower-case letters */
    "16.0_global.zip",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(UbRomNameInfo) info = ub_rom_name_parse (names[i]);

      g_test_message ("%s", names[i]);
      g_assert_null (info);
    }
}

static void
test_region (void)
{
  g_assert_cmpint (ub_rom_region_from_build_code ("MI"), ==, UB_ROM_REGION_GLOBAL);
  g_assert_cmpint (ub_rom_region_from_build_code ("EU"), ==, UB_ROM_REGION_EEA);
  g_assert_cmpint (ub_rom_region_from_build_code ("KR"), ==, UB_ROM_REGION_KOREA);
  g_assert_cmpint (ub_rom_region_from_build_code ("eu"), ==, UB_ROM_REGION_UNKNOWN);
  g_assert_cmpint (ub_rom_region_from_build_code ("XX"), ==, UB_ROM_REGION_UNKNOWN);
  g_assert_cmpint (ub_rom_region_from_build_code (NULL), ==, UB_ROM_REGION_UNKNOWN);

  g_assert_cmpint (ub_rom_region_from_string ("eea"), ==, UB_ROM_REGION_EEA);
  g_assert_cmpint (ub_rom_region_from_string ("eu"), ==, UB_ROM_REGION_EEA);
  g_assert_cmpint (ub_rom_region_from_string ("Europe"), ==, UB_ROM_REGION_EEA);
  g_assert_cmpint (ub_rom_region_from_string ("CHINA"), ==, UB_ROM_REGION_CHINA);
  g_assert_cmpint (ub_rom_region_from_string ("cn"), ==, UB_ROM_REGION_CHINA);
  g_assert_cmpint (ub_rom_region_from_string ("Global"), ==, UB_ROM_REGION_GLOBAL);
  g_assert_cmpint (ub_rom_region_from_string ("mi"), ==, UB_ROM_REGION_GLOBAL);
  g_assert_cmpint (ub_rom_region_from_string ("south korea"), ==, UB_ROM_REGION_KOREA);
  g_assert_cmpint (ub_rom_region_from_string ("Mars"), ==, UB_ROM_REGION_UNKNOWN);
  g_assert_cmpint (ub_rom_region_from_string (NULL), ==, UB_ROM_REGION_UNKNOWN);

  for (UbRomRegion r = UB_ROM_REGION_GLOBAL; r <= UB_ROM_REGION_KOREA; r++)
    {
      const char *key = ub_rom_region_to_key (r);

      g_assert_nonnull (key);
      g_assert_cmpint (ub_rom_region_from_string (key), ==, r);
      g_assert_cmpint (ub_rom_region_from_string (ub_rom_region_get_name (r)), ==, r);
    }
  g_assert_null (ub_rom_region_to_key (UB_ROM_REGION_UNKNOWN));
  g_assert_cmpstr (ub_rom_region_to_key (UB_ROM_REGION_CHINA), ==, "cn");
  g_assert_cmpstr (ub_rom_region_get_name (UB_ROM_REGION_EEA), ==, "Europe (EEA)");
  g_assert_cmpstr (ub_rom_region_get_name (UB_ROM_REGION_UNKNOWN), ==, "Unknown region");
  /* the older helper reads the same table */
  g_assert_cmpstr (ub_rom_name_region_name ("TR"), ==, "Turkey");
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rom-name-parse/table", test_table);
  g_test_add_func ("/rom-name-parse/file-name", test_file_name);
  g_test_add_func ("/rom-name-parse/not-a-rom", test_not_a_rom);
  g_test_add_func ("/rom-name-parse/region", test_region);
  return g_test_run ();
}
