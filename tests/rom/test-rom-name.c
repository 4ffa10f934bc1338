/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Xiaomi's file-name rules (ub-rom-name.c). */
#include "config.h"

#include "ub-rom-name.h"

#define ROM "alioth_global_images_V14.0.9.0.TKHMIXM_20240101.0000.00_13.0_global_0A1b2c3d4e"

static void
test_archive_and_stem (void)
{
  g_autofree char *stem = NULL;

  g_assert_true (ub_rom_name_is_archive ("/x/" ROM ".tgz"));
  g_assert_true (ub_rom_name_is_archive (ROM ".TAR.GZ"));
  g_assert_true (ub_rom_name_is_archive ("rom.zip"));
  g_assert_false (ub_rom_name_is_archive ("rom.tgz.part"));
  g_assert_false (ub_rom_name_is_archive (".tgz"));
  g_assert_false (ub_rom_name_is_archive ("/x/" ROM));

  stem = ub_rom_name_dup_stem ("/x/" ROM ".tar.gz");
  g_assert_cmpstr (stem, ==, ROM);
  g_clear_pointer (&stem, g_free);
  stem = ub_rom_name_dup_stem ("folder.d");
  g_assert_cmpstr (stem, ==, "folder.d");
}

static void
test_md5_prefix (void)
{
  const struct { const char *name; const char *want; } cases[] = {
    { "/x/" ROM ".tgz", "0a1b2c3d4e" },
    { ROM ".tar.gz", "0a1b2c3d4e" },
    { ROM " (1).tgz", "0a1b2c3d4e" },      /* a browser's duplicate */
    { ROM "(12).tgz", "0a1b2c3d4e" },
    { ROM, "0a1b2c3d4e" },                 /* an unpacked folder */
    { "rom_0a1b2c3d4.tgz", NULL },         /* 9 digits */
    { "arctic_eea_global-images-OS3.0.8.0.WBVEUXM-user-20260624.0000.00-16.0-eea-5b2771a432.tgz",
      "5b2771a432" },                      /* the hyphen grammar */
    { "rom0a1b2c3d4e.tgz", NULL },         /* no separator */
    { "rom.0a1b2c3d4e.tgz", NULL },
    { "rom_0a1b2c3d4g.tgz", NULL },        /* not hex */
    { "rom_0a1b2c3d4e ().tgz", NULL },
    { "0a1b2c3d4e.tgz", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = ub_rom_name_dup_md5_prefix (cases[i].name);

      g_assert_cmpstr (got, ==, cases[i].want);
    }
}

static void
test_build (void)
{
  g_autofree char *version = NULL;
  g_autofree char *region = NULL;
  g_autofree char *android = NULL;

  g_assert_true (ub_rom_name_parse_build (ROM, &version, &region));
  g_assert_cmpstr (version, ==, "V14.0.9.0.TKHMIXM");
  g_assert_cmpstr (region, ==, "MI");
  g_clear_pointer (&version, g_free);
  g_clear_pointer (&region, g_free);
  g_assert_true (ub_rom_name_parse_build ("OS3.0.9.0.WPYCNXM", &version, &region));
  g_assert_cmpstr (version, ==, "OS3.0.9.0.WPYCNXM");
  g_assert_cmpstr (region, ==, "CN");
  g_assert_false (ub_rom_name_parse_build ("alioth_V14.0.TKHMIXM_x", NULL, NULL));
  g_assert_false (ub_rom_name_parse_build ("xV14.0.9.0.TKHMIXM", NULL, NULL));

  android = ub_rom_name_dup_android (ROM);
  g_assert_cmpstr (android, ==, "13.0");
  g_assert_null (ub_rom_name_dup_android ("rom_global"));

  g_assert_cmpstr (ub_rom_name_region_name ("EU"), ==, "Europe (EEA)");
  g_assert_null (ub_rom_name_region_name ("XX"));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rom-name/archive-and-stem", test_archive_and_stem);
  g_test_add_func ("/rom-name/md5-prefix", test_md5_prefix);
  g_test_add_func ("/rom-name/build", test_build);
  return g_test_run ();
}
