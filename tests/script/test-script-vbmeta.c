/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --disable-verity / --disable-verification on flash lines of .sh and .bat scripts. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "ub-rom-error.h"
#include "ub-script.h"
#include "ub-vbmeta.h"

static UbScript *
parse (const char *name,
       const char *text)
{
  g_autoptr(GError) error = NULL;
  UbScript *script = ub_script_new_from_data (name, g_str_has_suffix (name, ".bat") ? UB_SCRIPT_BAT
                                                                                      : UB_SCRIPT_SH,
                                              text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (script);
  return script;
}

static void
assert_steps (UbScript          *script,
              const char *const *expected)
{
  GPtrArray *steps = ub_script_get_steps (script);

  g_assert_cmpuint (steps->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < steps->len; i++)
    {
      g_autofree char *desc = ub_flash_step_describe (g_ptr_array_index (steps, i));
      g_assert_cmpstr (desc, ==, expected[i]);
    }
}

static void
assert_refused (const char *name,
                const char *text,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbScript) script = ub_script_new_from_data (name, g_str_has_suffix (name, ".bat")
                                                          ? UB_SCRIPT_BAT : UB_SCRIPT_SH,
                                                        text, strlen (text), &error);

  g_assert_null (script);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSUPPORTED_SCRIPT);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_sh_positions (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.sh",
    "fastboot $* --disable-verification --disable-verity flash vbmeta_a `dirname $0`/images/vbmeta.img\n"
    "fastboot $* --disable-verity --disable-verification flash vbmeta_b `dirname $0`/images/vbmeta.img\n"
    "fastboot $* --disable-verity flash vbmeta `dirname $0`/images/vbmeta.img\n"
    "fastboot $* --disable-verification flash vbmeta `dirname $0`/images/vbmeta.img\n"
    "fastboot --disable-verity --disable-verification flash vbmeta images/vbmeta.img\n"
    "fastboot --disable-verity $* flash vbmeta images/vbmeta.img\n"
    "fastboot $* flash --disable-verity vbmeta images/vbmeta.img\n"
    "fastboot $* flash vbmeta --disable-verification images/vbmeta.img\n"
    "fastboot $* flash vbmeta_a images/vbmeta.img --disable-verity --disable-verification\n"
    "fastboot $* --disable-verity flash vbmeta images/vbmeta.img --disable-verity\n"
    "fastboot $* flash vbmeta images/vbmeta.img\n");
  const char *const expected[] = {
    "flash vbmeta_a images/vbmeta.img --disable-verity --disable-verification",
    "flash vbmeta_b images/vbmeta.img --disable-verity --disable-verification",
    "flash vbmeta images/vbmeta.img --disable-verity",
    "flash vbmeta images/vbmeta.img --disable-verification",
    "flash vbmeta images/vbmeta.img --disable-verity --disable-verification",
    "flash vbmeta images/vbmeta.img --disable-verity",
    "flash vbmeta images/vbmeta.img --disable-verity",
    "flash vbmeta images/vbmeta.img --disable-verification",
    "flash vbmeta_a images/vbmeta.img --disable-verity --disable-verification",
    "flash vbmeta images/vbmeta.img --disable-verity",
    "flash vbmeta images/vbmeta.img",
    NULL,
  };
  GPtrArray *steps = ub_script_get_steps (s);

  assert_steps (s, expected);
  g_assert_cmpuint (((UbFlashStep *) g_ptr_array_index (steps, 0))->vbmeta_flags, ==,
                    UB_VBMETA_FLAG_DISABLE_VERITY | UB_VBMETA_FLAG_DISABLE_VERIFICATION);
  g_assert_cmpuint (((UbFlashStep *) g_ptr_array_index (steps, 2))->vbmeta_flags, ==,
                    UB_VBMETA_FLAG_DISABLE_VERITY);
  g_assert_cmpuint (((UbFlashStep *) g_ptr_array_index (steps, 3))->vbmeta_flags, ==,
                    UB_VBMETA_FLAG_DISABLE_VERIFICATION);
  g_assert_cmpuint (((UbFlashStep *) g_ptr_array_index (steps, 10))->vbmeta_flags, ==, 0);
  g_assert_cmpuint (((UbFlashStep *) g_ptr_array_index (steps, 0))->line, ==, 1);
}

static void
test_sh_error_handling (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.sh",
    "fastboot $* --disable-verity --disable-verification flash vbmeta_ab `dirname $0`/images/vbmeta.img\n"
    "if [ $? -ne 0 ] ; then echo \"Flash vbmeta error\"; exit 1; fi\n"
    "fastboot $* --disable-verity --disable-verification flash vbmeta `dirname $0`/images/vbmeta.img || { echo \"Flash vbmeta error\"; exit 1; }\n");
  GPtrArray *steps = ub_script_get_steps (s);
  GPtrArray *notes = ub_script_get_notes (s);
  UbFlashStep *ab = g_ptr_array_index (steps, 0);
  UbFlashStep *plain = g_ptr_array_index (steps, 1);
  gboolean noted = FALSE;

  g_assert_cmpuint (steps->len, ==, 2);
  /* AOSP 29 rewrites only vbmeta, vbmeta_a, vbmeta_b: vbmeta_ab goes unchanged, with a note */
  g_assert_cmpuint (ab->vbmeta_flags, ==, 0);
  g_assert_true (ab->fatal);
  g_assert_cmpstr (ab->error_message, ==, "Flash vbmeta error");
  for (guint i = 0; i < notes->len; i++)
    noted |= strstr (g_ptr_array_index (notes, i), "only to vbmeta, vbmeta_a and vbmeta_b") != NULL;
  g_assert_true (noted);
  g_assert_cmpuint (plain->vbmeta_flags, ==, UB_VBMETA_FLAGS_ALL);
  g_assert_true (plain->fatal);
  g_assert_cmpstr (plain->error_message, ==, "Flash vbmeta error");
}

static void
test_bat_positions (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.bat",
    "@echo off\r\n"
    "fastboot %* --disable-verity --disable-verification flash vbmeta %~dp0images\\vbmeta.img || @echo \"Flash vbmeta error\" && exit /B 1\r\n"
    "fastboot %* --disable-verification --disable-verity flash vbmeta_a %~dp0images\\vbmeta.img\r\n"
    "fastboot %* --disable-verity flash vbmeta_b %~dp0images\\vbmeta.img\r\n"
    "fastboot %* --disable-verification flash vbmeta %~dp0images\\vbmeta.img\r\n"
    "fastboot --disable-verity %* flash vbmeta %~dp0images\\vbmeta.img\r\n"
    "fastboot %* flash vbmeta %~dp0images\\vbmeta.img --disable-verity --disable-verification\r\n"
    "fastboot.exe %* flash --disable-verification vbmeta \"%~dp0images\\vbmeta.img\"\r\n"
    "fastboot %* flash vbmeta %~dp0images\\vbmeta.img\r\n");
  const char *const expected[] = {
    "flash vbmeta images/vbmeta.img --disable-verity --disable-verification",
    "flash vbmeta_a images/vbmeta.img --disable-verity --disable-verification",
    "flash vbmeta_b images/vbmeta.img --disable-verity",
    "flash vbmeta images/vbmeta.img --disable-verification",
    "flash vbmeta images/vbmeta.img --disable-verity",
    "flash vbmeta images/vbmeta.img --disable-verity --disable-verification",
    "flash vbmeta images/vbmeta.img --disable-verification",
    "flash vbmeta images/vbmeta.img",
    NULL,
  };
  UbFlashStep *first = g_ptr_array_index (ub_script_get_steps (s), 0);

  assert_steps (s, expected);
  g_assert_true (first->fatal);
  g_assert_cmpstr (first->error_message, ==, "Flash vbmeta error");
  g_assert_cmpuint (first->line, ==, 2);
}

static void
test_refusals (void)
{
  assert_refused ("flash_all.sh", "fastboot $* flash vbmeta images/vbmeta.img\n"
                  "fastboot $* --disable-verity --force flash vbmeta images/vbmeta.img\n",
                  "flash_all.sh, line 2: Unbrick does not support this fastboot option: "
                  "“fastboot $* --disable-verity --force flash vbmeta images/vbmeta.img”");
  assert_refused ("flash_all.sh", "fastboot $* --disable-verity erase vbmeta\n",
                  "flash_all.sh, line 1: --disable-verity and --disable-verification go only with "
                  "flash: “fastboot $* --disable-verity erase vbmeta”");
  assert_refused ("flash_all.sh", "fastboot $* --disable-verity flash boot images/boot.img\n",
                  "flash_all.sh, line 1: Unbrick does not turn off verity inside a boot image: "
                  "“fastboot $* --disable-verity flash boot images/boot.img”");
  assert_refused ("flash_all.sh", "fastboot $* --disable-verity=1 flash vbmeta images/vbmeta.img\n",
                  "flash_all.sh, line 1: Unbrick does not support this fastboot option: "
                  "“fastboot $* --disable-verity=1 flash vbmeta images/vbmeta.img”");
  assert_refused ("flash_all.bat", "@echo off\r\n\r\n"
                  "fastboot %* --disable-verification flash boot_a %~dp0images\\boot.img\r\n",
                  "flash_all.bat, line 3: Unbrick does not turn off verity inside a boot image: "
                  "“fastboot %* --disable-verification flash boot_a %~dp0images\\boot.img”");
  assert_refused ("flash_all.bat", "fastboot %* --disable-verity --skip-reboot flash vbmeta %~dp0images\\vbmeta.img\r\n",
                  "flash_all.bat, line 1: Unbrick does not support this fastboot option: "
                  "“fastboot %* --disable-verity --skip-reboot flash vbmeta %~dp0images\\vbmeta.img”");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/script-vbmeta/sh", test_sh_positions);
  g_test_add_func ("/script-vbmeta/sh-error-handling", test_sh_error_handling);
  g_test_add_func ("/script-vbmeta/bat", test_bat_positions);
  g_test_add_func ("/script-vbmeta/refusals", test_refusals);
  return g_test_run ();
}
