/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The flash-script interpreter on synthetic scripts: every statement form and every refusal. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ub-check.h"
#include "ub-enum-nick.h"
#include "ub-rom-enums.h"
#include "ub-rom.h"
#include "ub-rom-error.h"
#include "ub-script.h"
#include "ub-script-builder.h"
#include "ub-usb-device-info.h"

static UbScriptDialect
dialect_of (const char *name)
{
  return g_str_has_suffix (name, ".bat") ? UB_SCRIPT_BAT : UB_SCRIPT_SH;
}

static UbScript *
parse (const char *name,
       const char *text)
{
  g_autoptr(GError) error = NULL;
  UbScript *script = ub_script_new_from_data (name, dialect_of (name), text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (script);
  return script;
}

static void
assert_refused (const char *name,
                const char *text,
                gint        code,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbScript) script = ub_script_new_from_data (name, dialect_of (name), text,
                                                        strlen (text), &error);

  g_assert_null (script);
  g_assert_error (error, UB_ROM_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

static UbFlashStep *
step (UbScript *script,
      guint     i)
{
  GPtrArray *steps = ub_script_get_steps (script);

  g_assert_cmpuint (i, <, steps->len);
  return g_ptr_array_index (steps, i);
}

static void
assert_step (UbScript   *script,
             guint       i,
             const char *description,
             gboolean    fatal,
             const char *message)
{
  UbFlashStep *s = step (script, i);
  g_autofree char *desc = ub_flash_step_describe (s);

  g_assert_cmpstr (desc, ==, description);
  g_assert_cmpint (s->fatal, ==, fatal);
  g_assert_cmpstr (s->error_message, ==, message);
}

static gboolean
folder_matches (const char *pcre,
                const char *name)
{
  g_autoptr(GError) error = NULL;
  gboolean matches = FALSE;

  g_assert_true (ub_folder_name_matches (pcre, name, &matches, &error));
  g_assert_no_error (error);
  return matches;
}

static guint
n_steps (UbScript *script)
{
  return ub_script_get_steps (script)->len;
}

static void
test_crlf_bom_trailing (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.sh",
    "\xef\xbb\xbf" "fastboot $* flash boot `dirname $0`/images/boot.img \r\n"
    "if [ $? -ne 0 ] ; then echo \"Flash boot error\"; exit 1; fi\r\n"
    "\r\n");

  g_assert_cmpuint (n_steps (s), ==, 1);
  assert_step (s, 0, "flash boot images/boot.img", TRUE, "Flash boot error");
  g_assert_cmpuint (step (s, 0)->line, ==, 1);
}

static void
test_paths (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.sh",
    "SCRIPT_PATH=$(dirname $0)\n"
    "fastboot $* flash a $(dirname $0)/images/a.img\n"
    "fastboot $* flash b ${SCRIPT_PATH}/images/b.img\n"
    "fastboot $* flash c \"$SCRIPT_PATH/images/c d.img\"\n"
    "fastboot $* flash e `pwd`/images/e.img\n"
    "fastboot $* flash f images/f.img\n"
    "fastboot $* flash g \"$(dirname \"$0\")\"//images/./g.img\n");

  g_assert_cmpuint (n_steps (s), ==, 6);
  assert_step (s, 0, "flash a images/a.img", FALSE, NULL);
  assert_step (s, 1, "flash b images/b.img", FALSE, NULL);
  assert_step (s, 2, "flash c images/c d.img", FALSE, NULL);
  assert_step (s, 3, "flash e images/e.img", FALSE, NULL);
  assert_step (s, 4, "flash f images/f.img", FALSE, NULL);
  assert_step (s, 5, "flash g images/g.img", FALSE, NULL);
}

static void
test_handle_error_and_set_e (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.sh",
    "#!/bin/sh\n"
    "handle_error() {\n  echo $@\n  exit 2\n}\n"
    "fastboot $* flash abl_ab `dirname $0`/images/abl.elf || handle_error flash abl error\n"
    "fastboot $* erase misc\n"
    "set -e\n"
    "fastboot $* oem cdms\n"
    "fastboot $* reboot || { echo \"Reboot error\"; exit 1; }\n");

  g_assert_cmpuint (n_steps (s), ==, 4);
  assert_step (s, 0, "flash abl_ab images/abl.elf", TRUE, "flash abl error");
  assert_step (s, 1, "erase misc", FALSE, NULL);
  assert_step (s, 2, "oem cdms", TRUE, NULL);
  assert_step (s, 3, "reboot", TRUE, "Reboot error");
}

/* A "fastboot -w" is an erase of userdata, cache and metadata, each when the phone
 * has it (AOSP asks partition-type:NAME); a handler covers all three. */
static void
assert_wipe (UbScript   *script,
             guint       first,
             gboolean    fatal,
             const char *message)
{
  static const char *const parts[] = { "userdata", "cache", "metadata" };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      UbFlashStep *s = step (script, first + i);
      g_autofree char *desc = g_strconcat ("erase ", parts[i], NULL);
      g_autofree char *cond = NULL;
      g_autofree char *line = g_strdup_printf ("partition-type:%s: f2fs", parts[i]);
      g_autofree char *failed = g_strdup_printf ("getvar:partition-type:%s FAILED", parts[i]);
      g_autofree char *empty = g_strdup_printf ("partition-type:%s: ", parts[i]);
      UbCondition *c;
      gboolean matches = FALSE;

      assert_step (script, first + i, desc, fatal, message);
      g_assert_cmpuint (s->conditions->len, ==, 1);
      c = g_ptr_array_index (s->conditions, 0);
      g_assert_cmpint (c->kind, ==, UB_CONDITION_VAR);
      g_assert_false (c->negate);
      g_assert_true (g_str_has_suffix (c->name, parts[i]));
      g_assert_true (ub_pattern_matches (c->pattern, line, &matches, NULL) && matches);
      g_assert_true (ub_pattern_matches (c->pattern, failed, &matches, NULL) && !matches);
      g_assert_true (ub_pattern_matches (c->pattern, empty, &matches, NULL) && !matches);
    }
}

static void
test_wipe (void)
{
  g_autoptr(UbScript) sh = parse ("flash_all.sh",
    "fastboot $* flash boot_ab `dirname $0`/images/boot.img\n"
    "fastboot $* -w\n"
    "fastboot -w $* || { echo \"Wipe error\"; exit 1; }\n"
    "set -e\n"
    "fastboot $* -w\n"
    "fastboot $* reboot\n");
  g_autoptr(UbScript) bat = parse ("flash_all.bat",
    "fastboot %* -w\r\n"
    "fastboot %* -w || @echo \"Wipe error\" && exit /B 1\r\n"
    "fastboot %* -w\r\n"
    "if %errorlevel% neq 0 (\r\n"
    "  echo Wipe failed\r\n"
    "  exit /B 1\r\n"
    ")\r\n"
    "fastboot %* reboot\r\n");

  g_assert_cmpuint (n_steps (sh), ==, 11);
  assert_step (sh, 0, "flash boot_ab images/boot.img", FALSE, NULL);
  assert_wipe (sh, 1, FALSE, NULL);
  assert_wipe (sh, 4, TRUE, "Wipe error");
  assert_wipe (sh, 7, TRUE, NULL);
  assert_step (sh, 10, "reboot", TRUE, NULL);
  g_assert_cmpuint (step (sh, 1)->line, ==, 2);
  g_assert_cmpuint (step (sh, 3)->line, ==, 2);

  g_assert_cmpuint (n_steps (bat), ==, 10);
  assert_wipe (bat, 0, FALSE, NULL);
  assert_wipe (bat, 3, TRUE, "Wipe error");
  assert_wipe (bat, 6, TRUE, "Wipe failed");
  assert_step (bat, 9, "reboot", FALSE, NULL);
}

static void
test_product_forms (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.sh",
    "fastboot $* getvar product 2>&1 | grep -E \"^product: *lancelot$\"\n"
    "if [ $? -ne 0 ] ; then echo \"Missmatching image and device\"; exit 1; fi\n"
    "fastboot $* getvar product 2>&1 | grep \"^product: *MSM8953$\\|^product: *mido$\"\n"
    "if [ $? -ne 0 ] ; then exit 1; fi\n"
    "fastboot $* getvar product 2>&1 | grep -E  \"^product: *piano\"\n"
    "if [ $? -ne 0  ] ; then echo Missmatching image and device; exit 1; fi\n");
  UbFlashStep *a = step (s, 0), *b = step (s, 1), *c = step (s, 2);

  g_assert_cmpuint (n_steps (s), ==, 3);
  g_assert_cmpint (a->kind, ==, UB_STEP_CHECK_PRODUCT);
  g_assert_cmpstrv (a->codenames, ((const char *[]) { "lancelot", NULL }));
  g_assert_false (a->prefix_match);
  g_assert_cmpstr (a->error_message, ==, "Missmatching image and device");
  g_assert_cmpstrv (b->codenames, ((const char *[]) { "MSM8953", "mido", NULL }));
  g_assert_false (b->prefix_match);
  g_assert_null (b->error_message);
  g_assert_cmpstrv (c->codenames, ((const char *[]) { "piano", NULL }));
  g_assert_true (c->prefix_match);
}

static void
test_anti_forms (void)
{
  /* lancelot (MediaTek): rollback_ver without $*, awk, the "x" idiom */
  g_autoptr(UbScript) mtk = parse ("flash_all.sh",
    "CURRENT_ANTI_VER=2\n"
    "version=`fastboot getvar rollback_ver 2>&1 | grep \"rollback_ver:\" | awk -F \": \" '{print $2}'`\n"
    "if [  \"${version}\"x == \"\"x ] ; then version=0 ; fi\n"
    "if [ ${version} -gt ${CURRENT_ANTI_VER} ] ; then echo \"Current device antirollback version is greater than this package\"; exit 1; fi\n");
  /* from a file, with the default when it is missing */
  g_autoptr(UbScript) file = parse ("flash_all.sh",
    "if [ -e $(dirname $0)/images/anti_version.txt ]; then\n"
    "CURRENT_ANTI_VER=`cat $(dirname $0)/images/anti_version.txt`\n"
    "fi\n"
    "if [ -z \"$CURRENT_ANTI_VER\" ]; then CURRENT_ANTI_VER=0; fi\n"
    "ver=`fastboot $* getvar anti 2>&1 | grep -oP \"anti: \\K[0-9]+\"`\n"
    "if [ -z \"$ver\" ]; then ver=0; fi\n"
    "if [ $ver -gt $CURRENT_ANTI_VER ]; then echo \"too new\"; exit 1; fi\n");

  g_assert_cmpuint (n_steps (mtk), ==, 1);
  assert_step (mtk, 0, "check-anti-rollback rollback_ver <= 2", TRUE,
               "Current device antirollback version is greater than this package");
  g_assert_cmpuint (n_steps (file), ==, 1);
  assert_step (file, 0, "check-anti-rollback anti <= images/anti_version.txt", TRUE, "too new");
}

static void
test_branches (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.sh",
    "fastboot $* getvar crc 2>&1 | grep \"^crc: 1\"\n"
    "if [ $? -eq 0 ]; then\n"
    "fastboot $* flash crclist `dirname $0`/images/crclist.txt\n"
    "if [ $? -ne 0 ] ; then echo \"Flash crclist error\"; exit 1; fi\n"
    "fi\n"
    "fastboot $* getvar partition-type:opcust 2>&1 | grep \"^partition-type:opcust: raw\"\n"
    "if [ $? -eq 0 ]; then\n"
    "  fastboot $* erase opcust\n"
    "else\n"
    "  echo \"No partition opcust found, skip erase opcust\"\n"
    "fi\n"
    "if [ -f `dirname $0`/images/exaid.img ]; then\n"
    "fastboot $* flash exaid `dirname $0`/images/exaid.img\n"
    "else\n"
    "fastboot $* erase exaid\n"
    "fi\n");
  UbFlashStep *crc = step (s, 0), *opcust = step (s, 1), *skip = step (s, 2);
  UbFlashStep *flash = step (s, 3), *erase = step (s, 4);
  UbCondition *c;

  g_assert_cmpuint (n_steps (s), ==, 5);
  assert_step (s, 0, "flash crclist images/crclist.txt", TRUE, "Flash crclist error");
  g_assert_cmpuint (crc->conditions->len, ==, 1);
  c = g_ptr_array_index (crc->conditions, 0);
  g_assert_cmpint (c->kind, ==, UB_CONDITION_VAR);
  g_assert_cmpstr (c->name, ==, "crc");
  g_assert_cmpstr (c->pattern, ==, "^crc: 1");
  g_assert_false (c->negate);

  assert_step (s, 1, "erase opcust", FALSE, NULL);
  c = g_ptr_array_index (opcust->conditions, 0);
  g_assert_cmpstr (c->name, ==, "partition-type:opcust");
  g_assert_false (c->negate);
  g_assert_cmpint (skip->kind, ==, UB_STEP_ECHO);
  g_assert_true (((UbCondition *) g_ptr_array_index (skip->conditions, 0))->negate);

  assert_step (s, 3, "flash exaid images/exaid.img", FALSE, NULL);
  c = g_ptr_array_index (flash->conditions, 0);
  g_assert_cmpint (c->kind, ==, UB_CONDITION_FILE);
  g_assert_cmpstr (c->name, ==, "images/exaid.img");
  g_assert_false (c->negate);
  assert_step (s, 4, "erase exaid", FALSE, NULL);
  g_assert_true (((UbCondition *) g_ptr_array_index (erase->conditions, 0))->negate);
}

static void
test_misc_statements (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.sh",
    "echo \"cereus fastboot flash tools\"\n"
    "fastboot $* set_active a\n"
    "fastboot $* --set-active=b\n"
    "fastboot $* flashing lock\n"
    "fastboot $* reboot bootloader\n"
    "fastboot $* reboot-recovery\n"
    "sleep 5\n"
    "fastboot $* format:ext4 cache\n"
    "fastboot $* getvar all\n"
    "exit 0\n");

  g_assert_cmpuint (n_steps (s), ==, 10);
  assert_step (s, 0, "echo cereus fastboot flash tools", FALSE, NULL);
  assert_step (s, 1, "set_active a", FALSE, NULL);
  assert_step (s, 2, "set_active b", FALSE, NULL);
  assert_step (s, 3, "flashing lock", FALSE, NULL);
  g_assert_true (ub_script_locks (s));
  assert_step (s, 4, "reboot bootloader", FALSE, NULL);
  assert_step (s, 5, "reboot recovery", FALSE, NULL);
  assert_step (s, 6, "sleep 5", FALSE, NULL);
  assert_step (s, 7, "format cache", FALSE, NULL);
  g_assert_cmpstr (step (s, 7)->arg, ==, "ext4");
  assert_step (s, 8, "getvar all", FALSE, NULL);
  assert_step (s, 9, "exit", FALSE, NULL);
}

static void
test_bat_forms (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.bat",
    "@echo off\r\n"
    "rem comment\r\n"
    ":: another\r\n"
    "fastboot %* getvar product 2>&1 | findstr /r /c:\"^product: *piano\" || echo Missmatching image and device\r\n"
    "fastboot %* getvar product 2>&1 | findstr /r /c:\"^product: *piano\" || exit /B 1\r\n"
    "fastboot %* flash a %~dp0images\\a.img || @echo \"Flash a error\" && exit /B 1\r\n"
    "fastboot %* flash b \"%~dp0images\\b c.img\" || @echo \"Flash b error\" && pause && exit /B 1\r\n"
    "fastboot %* flash c %~dp0\\images\\c.img || @echo \"Flash c error\" && goto error\r\n"
    "fastboot %* flash d %~dp0images/d.img\r\n"
    "if exist %~dp0images\\exaid.img (\r\n"
    "    fastboot %* flash exaid %~dp0images\\exaid.img || @echo \"Flash exaid error\" && exit /B 1\r\n"
    ") else (\r\n"
    "    fastboot %* erase exaid || @echo \"Erase exaid error\" && exit /B 1\r\n"
    ")\r\n"
    "fastboot %* reboot || @echo \"Reboot error\" && exit /B 1\r\n"
    "exit /B 0\r\n"
    ":error\r\n"
    "echo Flashing failed\r\n"
    "pause\r\n"
    "exit /B 1\r\n");
  UbFlashStep *check = step (s, 0);

  g_assert_cmpuint (n_steps (s), ==, 9);
  g_assert_cmpint (check->kind, ==, UB_STEP_CHECK_PRODUCT);
  g_assert_cmpstrv (check->codenames, ((const char *[]) { "piano", NULL }));
  g_assert_cmpstr (check->error_message, ==, "Missmatching image and device");
  assert_step (s, 1, "flash a images/a.img", TRUE, "Flash a error");
  assert_step (s, 2, "flash b images/b c.img", TRUE, "Flash b error");
  assert_step (s, 3, "flash c images/c.img", TRUE, "Flash c error");
  assert_step (s, 4, "flash d images/d.img", FALSE, NULL);
  assert_step (s, 5, "flash exaid images/exaid.img", TRUE, "Flash exaid error");
  assert_step (s, 6, "erase exaid", TRUE, "Erase exaid error");
  g_assert_true (((UbCondition *) g_ptr_array_index (step (s, 6)->conditions, 0))->negate);
  assert_step (s, 7, "reboot", TRUE, "Reboot error");
  assert_step (s, 8, "exit", FALSE, NULL);

  /* a second else (found by fuzzing: the assignment form failed without a message) */
  assert_refused ("flash_all.bat",
                  "if [%ver%] EQU [] (\r\n) else (\r\n) else (\r\n)\r\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: this shell syntax is not supported: “if [%ver%] EQU [] (”");
  assert_refused ("flash_all.bat",
                  "if exist %~dp0images\\exaid.img (\r\n) else (\r\n) else (\r\n)\r\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: this shell syntax is not supported: “if exist %~dp0images\\exaid.img (”");
}

/* cmd's "ping localhost" pause: N echo requests one second apart wait N − 1 seconds. */
static void
test_bat_ping_pause (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.bat",
    "fastboot %* reboot-bootloader\r\n"
    "ping 127.0.0.1 -n 5 -w 1000 > nul\r\n"
    "PING -n 3 localhost >nul\r\n"
    "ping 127.0.0.1 -n 1\r\n"
    "fastboot %* erase DDR\r\n");

  g_assert_cmpuint (n_steps (s), ==, 5);
  g_assert_cmpint (step (s, 1)->kind, ==, UB_STEP_SLEEP);
  g_assert_cmpstr (step (s, 1)->arg, ==, "4");
  g_assert_cmpstr (step (s, 2)->arg, ==, "2");
  g_assert_cmpstr (step (s, 3)->arg, ==, "0");

  /* pinging another computer is not a pause */
  assert_refused ("flash_all.bat", "ping 8.8.8.8 -n 5 > nul\r\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: this is not a flash step Unbrick knows: “ping 8.8.8.8 -n 5 > nul”");

  /* cmd's timeout (with or without /t) is a sleep; pause, however written, waits for a key
   * and is not a step */
  {
    g_autoptr(UbScript) t = parse ("flash_all.bat",
      "timeout /t 5 /nobreak > nul\r\n"
      "timeout 3\r\n"
      "pause>nul\r\n"
      "pause > nul\r\n"
      "pause 10\r\n"
      "fastboot %* reboot\r\n");

    g_assert_cmpuint (n_steps (t), ==, 3);
    g_assert_cmpint (step (t, 0)->kind, ==, UB_STEP_SLEEP);
    g_assert_cmpstr (step (t, 0)->arg, ==, "5");
    g_assert_cmpstr (step (t, 1)->arg, ==, "3");
    g_assert_cmpint (step (t, 2)->kind, ==, UB_STEP_REBOOT);
  }
  assert_refused ("flash_all.bat", "timeout /t -1\r\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: this is not a flash step Unbrick knows: “timeout /t -1”");
  /* a pause, not hours of waiting (sh's sleep has the same bound) */
  assert_refused ("flash_all.bat", "timeout /t 99999\r\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: not a number of seconds: “timeout /t 99999”");
  assert_refused ("flash_all.bat", "timeout 601\r\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: not a number of seconds: “timeout 601”");
}

static void
test_bat_anti_and_crc (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.bat",
    "if exist \"%~dp0images\\anti_version.txt\" (for /f \"usebackq\" %%a in (\"%~dp0images\\anti_version.txt\") do (set CURRENT_ANTI_VER=%%a))\n"
    "if [%CURRENT_ANTI_VER%] EQU [] set CURRENT_ANTI_VER=0\n"
    "for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar anti 2^>^&1 ^| findstr /r /c:\"anti:\"') do (set version=%%i)\n"
    "if [%version%] EQU [] set version=0\n"
    "set anticheck=\"antirollback check pass\"\n"
    "if %version% GTR %CURRENT_ANTI_VER% set anticheck=\"Current device antirollback version is greater than this pakcage\"\n"
    "echo %anticheck% | findstr /r /c:\"pass\" || @echo \"Antirollback check error\" && exit /B 1\n"
    "fastboot %* getvar crc 2>&1 | findstr /r /c:\"^crc: 1\"\n"
    "if %errorlevel% equ 0 (\n"
    "fastboot %* flash crclist %~dp0images\\crclist.txt || @echo \"Flash crclist error\" && exit /B 1\n"
    ")\n"
    "set CURRENT_ANTI_VER=2\n"
    "if %version% GTR %CURRENT_ANTI_VER% (\n"
    "        echo current device antirollback version is greater than this package\n"
    "        exit /B 1\n"
    ")\n");

  g_assert_cmpuint (n_steps (s), ==, 3);
  assert_step (s, 0, "check-anti-rollback anti <= images/anti_version.txt", TRUE, "Antirollback check error");
  assert_step (s, 1, "flash crclist images/crclist.txt", TRUE, "Flash crclist error");
  g_assert_cmpuint (step (s, 1)->conditions->len, ==, 1);
  assert_step (s, 2, "check-anti-rollback anti <= 2", TRUE,
               "current device antirollback version is greater than this package");
}

/* board_version 4.4 must NOT match: the script refuses the phones it finds */
static void
test_inverted_check (void)
{
  g_autoptr(UbScript) sh = parse ("flash_all.sh",
    "fastboot $* getvar board_version 2>&1 | grep \"^board_version: *4.4\"\n"
    "if [ $? -eq 0 ] ; then echo \"Missmatching board version\"; exit 1; fi\n"
    "fastboot $* getvar product 2>&1 | grep \"^product: *cancro\"\n"
    "if [ $? -eq 0 ] ; then exit 1; fi\n"
    "fastboot $* flash boot `dirname $0`/images/boot.img\n");
  g_autoptr(UbScript) bat = parse ("flash_all.bat",
    "fastboot %* getvar board_version 2>&1 | findstr /r /c:\"^board_version: *4\\.4\" && echo Missmatching board version && exit /B 1\n"
    "fastboot %* getvar board_version 2>&1 | findstr /r /c:\"^board_version: *5\" && echo only a warning\n"
    "fastboot %* flash boot %~dp0images\\boot.img\n");

  g_assert_cmpuint (n_steps (sh), ==, 3);
  assert_step (sh, 0, "check-var board_version !/^board_version: *4.4/", TRUE,
               "Missmatching board version");
  g_assert_true (step (sh, 0)->refuse_match);
  /* a product the script refuses is no product check: it names no phone */
  assert_step (sh, 1, "check-var product !/^product: *cancro/", TRUE, NULL);
  assert_step (sh, 2, "flash boot images/boot.img", FALSE, NULL);
  g_assert_cmpuint (n_steps (bat), ==, 2);
  assert_step (bat, 0, "check-var board_version !/^board_version: *4\\.4/", TRUE,
               "Missmatching board version");
  assert_step (bat, 1, "flash boot images/boot.img", FALSE, NULL);

  /* the body must stop the script: anything else is refused, naming the line */
  assert_refused ("flash_all.sh",
                  "fastboot $* getvar board_version 2>&1 | grep \"^board_version: *4.4\"\n"
                  "if [ $? -eq 0 ] ; then fastboot $* erase boot; exit 1; fi\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 2: the script stops with an error here: "
                  "“if [ $? -eq 0 ] ; then fastboot $* erase boot; exit 1; fi”");
  assert_refused ("flash_all.bat",
                  "fastboot %* getvar board_version 2>&1 | findstr /r /c:\"^board_version: *4\" && fastboot %* erase boot\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: this check is not one Unbrick understands: "
                  "“fastboot %* getvar board_version 2>&1 | findstr /r /c:\"^board_version: *4\" && fastboot %* erase boot”");
}

/* set -e as bash reads it: every later command stops the script, except on the left of || */
static void
test_set_e (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.sh",
    "set -o errexit\n"
    "fastboot $* getvar product 2>&1 | grep \"^product: *piano\"\n"
    "if [ $? -ne 0 ] ; then echo \"Missmatching image and device\"; exit 1; fi\n"
    "fastboot $* getvar crc 2>&1 | grep \"^crc: 1\"\n"
    "if [ $? -eq 0 ]; then\n"
    "fastboot $* flash crclist `dirname $0`/images/crclist.txt\n"
    "fi\n"
    "fastboot $* getvar secure 2>&1 | grep \"^secure: yes\" || echo \"not secure\"\n"
    "fastboot $* erase misc || echo \"no misc\"\n"
    "fastboot $* erase logfs\n"
    "ver=`fastboot $* getvar anti 2>&1 | grep -oP \"anti: \\K[0-9]+\"`\n"
    "if [ -z \"$ver\" ]; then ver=0; fi\n"
    "CURRENT_ANTI_VER=1\n"
    "if [ $ver -gt $CURRENT_ANTI_VER ]; then echo \"too new\"; exit 1; fi\n"
    "set +e\n"
    "fastboot $* erase cache\n");
  g_autoptr(UbScript) flags = parse ("flash_all.sh", "set -eu\nfastboot $* oem cdms\n");

  g_assert_cmpuint (n_steps (s), ==, 8);
  /* the grep stops the script itself: the message after it never shows */
  assert_step (s, 0, "check-product piano (prefix)", TRUE, NULL);
  /* the crc gate: a phone without crc: 1 stops the script before anything */
  assert_step (s, 1, "check-var crc /^crc: 1/", TRUE, NULL);
  assert_step (s, 2, "flash crclist images/crclist.txt", TRUE, NULL);
  g_assert_cmpuint (step (s, 2)->conditions->len, ==, 0);
  /* on the left of || set -e does not count */
  assert_step (s, 3, "erase misc", FALSE, "no misc");
  assert_step (s, 4, "erase logfs", TRUE, NULL);
  /* X=`… | grep -oP …` fails when the phone says nothing: the script stops */
  assert_step (s, 5, "check-var anti /anti: \\K[0-9]+/", TRUE, NULL);
  g_assert_cmpint (step (s, 6)->kind, ==, UB_STEP_CHECK_ANTI);
  assert_step (s, 7, "erase cache", FALSE, NULL);
  assert_step (flags, 0, "oem cdms", TRUE, NULL);

  /* set -e and a check that must not match: bash always stops there */
  assert_refused ("flash_all.sh",
                  "set -e\n"
                  "fastboot $* getvar board_version 2>&1 | grep \"^board_version: *4.4\"\n"
                  "if [ $? -eq 0 ] ; then echo \"Missmatching board version\"; exit 1; fi\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 3: the script stops with an error here: "
                  "“if [ $? -eq 0 ] ; then echo \"Missmatching board version\"; exit 1; fi”");
  assert_refused ("flash_all.sh", "set -o pipefail\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: this shell option is not supported: “set -o pipefail”");
  assert_refused ("flash_all.sh",
                  "if [ -e `dirname $0`/images/x.img ]; then\nset -e\nfi\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 2: Unbrick only understands “set -e” outside conditions: “set -e”");
  assert_refused ("flash_all.sh",
                  "set -e\nCURRENT_ANTI_VER=`cat $(dirname $0)/images/anti_version.txt`\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 2: with “set -e”, a missing file stops the script here, which "
                  "Unbrick does not follow: “CURRENT_ANTI_VER=`cat $(dirname $0)/images/anti_version.txt`”");
}

static void
test_boot_and_reboot_bootloader (void)
{
  g_autoptr(UbScript) sh = parse ("flash_all.sh",
    "fastboot $* flash boot `dirname $0`/images/boot.img\n"
    "fastboot $* reboot-bootloader\n"
    "fastboot $* erase misc\n"
    "fastboot $* boot `dirname $0`/images/recovery.img\n");
  g_autoptr(UbScript) bat = parse ("flash_all.bat",
    "fastboot %* boot %~dp0images\\recovery.img || @echo \"Boot error\" && exit /B 1\n");

  g_assert_cmpuint (n_steps (sh), ==, 4);
  assert_step (sh, 1, "reboot bootloader", FALSE, NULL);
  assert_step (sh, 3, "boot images/recovery.img", FALSE, NULL);
  g_assert_cmpint (step (sh, 3)->kind, ==, UB_STEP_BOOT);
  g_assert_false (ub_flash_step_is_destructive (step (sh, 3)));
  assert_step (bat, 0, "boot images/recovery.img", TRUE, "Boot error");
  assert_refused ("flash_all.sh", "fastboot $* boot /tmp/twrp.img\n", UB_ROM_ERROR_UNSAFE_PATH,
                  "flash_all.sh, line 1: the path is outside the ROM folder (/tmp/twrp.img): "
                  "“fastboot $* boot /tmp/twrp.img”");
}

static void
test_bat_findstr_forms (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.bat",
    /* no /r: literal substrings, and a space-separated string is a list of words */
    "fastboot %* getvar product 2>&1 | findstr \"corot\" || echo Missmatching image and device && exit /B 1\n"
    "fastboot %* getvar product 2>&1 | findstr \"corot rubens\" || exit /B 1\n"
    "fastboot %* getvar product 2>&1 | findstr /c:\"product: corot\" || exit /B 1\n"
    /* /r /x: the whole line */
    "fastboot %* getvar product 2>&1 | findstr /r /x /c:\"product: *corot\" || exit /B 1\n"
    "fastboot %* getvar secure 2>&1 | findstr /i /l \"YES\" || exit /B 1\n");
  UbFlashStep *a = step (s, 0), *b = step (s, 1), *d = step (s, 3);

  g_assert_cmpuint (n_steps (s), ==, 5);
  g_assert_cmpint (a->kind, ==, UB_STEP_CHECK_PRODUCT);
  g_assert_cmpstrv (a->codenames, ((const char *[]) { "corot", NULL }));
  g_assert_true (a->prefix_match);
  g_assert_cmpstr (a->error_message, ==, "Missmatching image and device");
  g_assert_cmpstrv (b->codenames, ((const char *[]) { "corot", "rubens", NULL }));
  /* "product: corot" as one literal (with /c:): not a codename list Unbrick can read as such */
  assert_step (s, 2, "check-product corot (prefix)", TRUE, NULL);
  g_assert_cmpstrv (d->codenames, ((const char *[]) { "corot", NULL }));
  g_assert_false (d->prefix_match);
  assert_step (s, 4, "check-var secure /(?i:YES)/", TRUE, NULL);

  /* without /c: and with /r, "^product: *corot" is two regexes, "^product:" accepts every
   * phone, and "*corot" starts with a * */
  assert_refused ("flash_all.bat",
                  "fastboot %* getvar product 2>&1 | findstr /r \"^product: *corot\" || exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: Unbrick cannot tell how findstr reads this pattern: "
                  "“fastboot %* getvar product 2>&1 | findstr /r \"^product: *corot\" || exit /B 1”");
  /* no /r nor /l and a regex character: findstr's own guess decides, Unbrick does not */
  assert_refused ("flash_all.bat",
                  "fastboot %* getvar product 2>&1 | findstr \"^product: corot\" || exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: this check is not one Unbrick understands: "
                  "“fastboot %* getvar product 2>&1 | findstr \"^product: corot\" || exit /B 1”");
}

static void
test_bat_folder_and_number (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.bat",
    "for /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~nxi\n"
    "echo %folder% | findstr /r /c:\"^corot_\" || echo Missmatching image and folder && exit /B 1\n"
    "echo %folder% | findstr \"_lock\" && echo This is a lock ROM && exit /B 1\n"
    "for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar hw-revision 2^>^&1 ^| findstr /r /c:\"hw-revision: \"') do (set hwversion=%%i)\n"
    "if %hwversion% LEQ 10000 (\n"
    "  echo \"hardware revision too old\"\n"
    "  exit /B 1\n"
    ")\n"
    "for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar anti 2^>^&1 ^| findstr /r /c:\"anti:\"') do (set version=%%i)\n"
    "if [%version%] EQU [] set version=0\n"
    "if %version% GEQ 0x10 (echo too new && exit /B 1)\n"
    "fastboot %* flash boot %~dp0images\\boot.img\n");

  g_assert_cmpuint (n_steps (s), ==, 5);
  assert_step (s, 0, "check-folder /^corot_/", TRUE, "Missmatching image and folder");
  assert_step (s, 1, "check-folder !/_lock/", TRUE, "This is a lock ROM");
  assert_step (s, 2, "check-number refuse-if hw-revision leq 10000", TRUE, "hardware revision too old");
  assert_step (s, 3, "check-number refuse-if anti geq 16 (empty = 0)", TRUE, "too new");
  g_assert_false (ub_flash_step_uses_device (step (s, 0)));

  assert_refused ("flash_all.bat",
                  "for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar hw-revision 2^>^&1 ^| findstr /r /c:\"hw-revision: \"') do (set hwversion=%%i)\n"
                  "if %hwversion% LEQ 08 (\nexit /B 1\n)\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 2: this comparison is not one Unbrick understands: “if %hwversion% LEQ 08 (”");
  assert_refused ("flash_all.bat",
                  "for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar hw-revision 2^>^&1 ^| findstr /r /c:\"hw-revision: \"') do (set hwversion=%%i)\n"
                  "if %hwversion% LEQ 10000 (\nfastboot %* erase boot\n)\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 3: Unbrick only understands stopping the script here: “fastboot %* erase boot”");
  assert_refused ("flash_all.bat",
                  "for /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~nxi\n"
                  "echo %folder% | findstr /r /c:\"^corot_\" || echo wrong folder\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 2: this check is not one Unbrick understands: "
                  "“echo %folder% | findstr /r /c:\"^corot_\" || echo wrong folder”");
}

/* The land form: p depends on the ROM folder's name; cmd substitutes it, quotes and all. */
#define LAND_HEAD \
  "set p=\"landx\"\n" \
  "for /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~nxi\n" \
  "echo %folder% 2>&1 | findstr /r /c:\"china\" || set p=\"land\"\n"

static void
test_bat_folder_choice (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.bat",
    LAND_HEAD
    "echo \"^ These images are only used for device %p%\"\n"
    "fastboot %* getvar product 2>&1 | findstr /r /x /c:\"product: *%p%$\" || echo Missmatching image and device\n"
    "fastboot %* getvar product 2>&1 | findstr /r /x /c:\"product: *%p%$\" || exit /B 1\n"
    "fastboot %* flash boot %~dp0images\\%p%.img\n");
  UbFlashStep *x = step (s, 1), *l = step (s, 2);
  UbCondition *cx, *cl;

  g_assert_cmpuint (n_steps (s), ==, 5);
  /* the echo is shown as written */
  assert_step (s, 0, "echo ^ These images are only used for device %p%", FALSE, NULL);
  /* /c:"product: *"landx"$" reaches findstr as product: *landx$, the whole line (/x) */
  assert_step (s, 1, "check-product landx", TRUE, "Missmatching image and device");
  assert_step (s, 2, "check-product land", TRUE, "Missmatching image and device");
  g_assert_cmpstrv (x->codenames, ((const char *[]) { "landx", NULL }));
  g_assert_false (x->prefix_match);
  g_assert_cmpstrv (l->codenames, ((const char *[]) { "land", NULL }));
  g_assert_false (l->prefix_match);
  g_assert_cmpuint (x->conditions->len, ==, 1);
  g_assert_cmpuint (l->conditions->len, ==, 1);
  cx = g_ptr_array_index (x->conditions, 0);
  cl = g_ptr_array_index (l->conditions, 0);
  g_assert_cmpint (cx->kind, ==, UB_CONDITION_FOLDER);
  g_assert_cmpstr (cx->pattern, ==, "china");
  g_assert_false (cx->negate);
  g_assert_cmpint (cl->kind, ==, UB_CONDITION_FOLDER);
  g_assert_cmpstr (cl->pattern, ==, "china");
  g_assert_true (cl->negate);
  /* images\"landx".img is images\landx.img to fastboot */
  g_assert_cmpstr (step (s, 3)->file, ==, "images/landx.img");
  g_assert_cmpstr (step (s, 4)->file, ==, "images/land.img");
  g_assert_true (((UbCondition *) g_ptr_array_index (step (s, 4)->conditions, 0))->negate);

  /* findstr without /i is case-sensitive; echo leaves a blank before the pipe */
  g_assert_true (folder_matches (cx->pattern, "land_china_images_V9.5.6.0_6.0"));
  g_assert_false (folder_matches (cx->pattern, "land_global_images_V9.5.6.0_6.0"));
  g_assert_false (folder_matches (cx->pattern, "land_China_images_V9.5.6.0_6.0"));

  {
    /* set "p=land": no quotes in the value; && sets it when the name matches */
    g_autoptr(UbScript) t = parse ("flash_all.bat",
      "set \"p=land\"\n"
      "for /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~nxi\n"
      "echo %folder% | findstr /r /c:\"_global\" && set \"p=landg\"\n"
      "fastboot %* getvar product 2>&1 | findstr /r /x /c:\"product: *%p%\" || exit /B 1\n");

    g_assert_cmpuint (n_steps (t), ==, 2);
    g_assert_cmpstrv (step (t, 0)->codenames, ((const char *[]) { "landg", NULL }));
    g_assert_false (((UbCondition *) g_ptr_array_index (step (t, 0)->conditions, 0))->negate);
    g_assert_cmpstrv (step (t, 1)->codenames, ((const char *[]) { "land", NULL }));
    g_assert_true (((UbCondition *) g_ptr_array_index (step (t, 1)->conditions, 0))->negate);
  }

  /* cmd keeps the blank at the end of a set line in the value */
  assert_refused ("flash_all.bat",
                  "set p=\"landx\" \n"
                  "for /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~nxi\n"
                  "echo %folder% 2>&1 | findstr /r /c:\"china\" || set p=\"land\"\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 3: Unbrick cannot tell what this variable holds: "
                  "“echo %folder% 2>&1 | findstr /r /c:\"china\" || set p=\"land\"”");
  /* with 2>&1, only words that cannot reach echo's blanks */
  assert_refused ("flash_all.bat",
                  "set p=\"landx\"\n"
                  "for /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~nxi\n"
                  "echo %folder% 2>&1 | findstr /r /c:\"china$\" || set p=\"land\"\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 3: this check is not one Unbrick understands: "
                  "“echo %folder% 2>&1 | findstr /r /c:\"china$\" || set p=\"land\"”");
  /* the variable anywhere else than a fastboot line or an echo */
  assert_refused ("flash_all.bat", LAND_HEAD "if exist %~dp0images\\%p%.img (\nfastboot %* erase boot\n)\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 4: Unbrick cannot resolve a variable on this line: "
                  "“if exist %~dp0images\\%p%.img (”");
  assert_refused ("flash_all.bat", LAND_HEAD "set q=%p%\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 4: Unbrick cannot resolve a variable on this line: “set q=%p%”");
  /* what cmd would run after substituting */
  assert_refused ("flash_all.bat",
                  "set \"p=a&b\"\n"
                  "for /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~nxi\n"
                  "echo %folder% | findstr /r /c:\"china\" || set p=\"land\"\n"
                  "echo %p%\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 4: this command chain is not one Unbrick understands: “echo %p%”");
  assert_refused ("flash_all.bat", "set p=land & del /q images\\*\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: this command chain is not one Unbrick understands: "
                  "“set p=land & del /q images\\*”");
  /* a plain text variable is not substituted into a findstr */
  assert_refused ("flash_all.bat",
                  "set p=\"land\"\n"
                  "fastboot %* getvar product 2>&1 | findstr /r /x /c:\"product: *%p%$\" || exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 2: Unbrick cannot resolve a variable on this line: "
                  "“fastboot %* getvar product 2>&1 | findstr /r /x /c:\"product: *%p%$\" || exit /B 1”");
}

/* %%~ni and %folder:~a,b%: parts of the folder's name, accepted only when echoed. */
static void
test_bat_folder_parts (void)
{
  g_autoptr(UbScript) s = parse ("flash_all.bat",
    "for /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~ni\n"
    "echo %folder%\n"
    "set   p=%folder:~2,5%\n"
    "echo %p%\n"
    "fastboot %* flash boot %~dp0images\\boot.img\n");

  g_assert_cmpuint (n_steps (s), ==, 3);
  assert_step (s, 0, "echo %folder%", FALSE, NULL);
  assert_step (s, 1, "echo %p%", FALSE, NULL);
  assert_step (s, 2, "flash boot images/boot.img", FALSE, NULL);

#define PARTS_HEAD \
  "for /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~ni\n" \
  "set p=%folder:~2,5%\n"
  assert_refused ("flash_all.bat",
                  PARTS_HEAD "fastboot %* getvar product 2>&1 | findstr /r /x /c:\"product: *%p%\" || exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 3: Unbrick cannot resolve a variable on this line: "
                  "“fastboot %* getvar product 2>&1 | findstr /r /x /c:\"product: *%p%\" || exit /B 1”");
  assert_refused ("flash_all.bat",
                  PARTS_HEAD "fastboot %* flash boot %~dp0images\\%p%.img\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 3: Unbrick cannot resolve a variable on this line: "
                  "“fastboot %* flash boot %~dp0images\\%p%.img”");
  /* findstr on a part of the name: not the check Unbrick evaluates */
  assert_refused ("flash_all.bat",
                  PARTS_HEAD "echo %folder% | findstr /r /c:\"^land_\" || exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 3: this command chain is not one Unbrick understands: "
                  "“echo %folder% | findstr /r /c:\"^land_\" || exit /B 1”");
  assert_refused ("flash_all.bat",
                  PARTS_HEAD "echo %p% 2>&1 | findstr /r /c:\"china\" || set q=\"land\"\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 3: this command chain is not one Unbrick understands: "
                  "“echo %p% 2>&1 | findstr /r /c:\"china\" || set q=\"land\"”");
  assert_refused ("flash_all.bat",
                  PARTS_HEAD "set q=%p%\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 3: Unbrick cannot tell what this variable holds: “set q=%p%”");
#undef PARTS_HEAD
}

/* .bat lines whose reading depended on more than the line shows. */
static void
test_bat_line_forms (void)
{
#define CHOICE_HEAD \
  "set p=\"landx\"\nset q=a\nfor /f \"delims=\" %%i in (\"%cd%\") do set folder=%%~nxi\n"
  /* a folder-dependent value with % or ! would be expanded later, with later values */
  assert_refused ("flash_all.bat", CHOICE_HEAD "echo %folder% | findstr /r /c:\"china\" || set p=%q%\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 4: Unbrick cannot tell what this variable holds: "
                  "“echo %folder% | findstr /r /c:\"china\" || set p=%q%”");
  assert_refused ("flash_all.bat", CHOICE_HEAD "echo %folder% | findstr /r /c:\"china\" || set p=!q!\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 4: Unbrick cannot tell what this variable holds: "
                  "“echo %folder% | findstr /r /c:\"china\" || set p=!q!”");
  assert_refused ("flash_all.bat", "set p=!q!\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: Unbrick cannot tell what this variable holds: “set p=!q!”");
  /* echo passes on its blanks: the name is matched as "NAME " only with one space each side */
  assert_refused ("flash_all.bat", CHOICE_HEAD "echo %folder%| findstr /r /c:\"^land_\" || exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 4: Unbrick only reads “echo %folder% | findstr” with one space "
                  "on each side of the name: “echo %folder%| findstr /r /c:\"^land_\" || exit /B 1”");
  assert_refused ("flash_all.bat", CHOICE_HEAD "echo %folder%  | findstr /r /c:\"_lock $\" && exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 4: Unbrick only reads “echo %folder% | findstr” with one space "
                  "on each side of the name: “echo %folder%  | findstr /r /c:\"_lock $\" && exit /B 1”");
  assert_refused ("flash_all.bat", CHOICE_HEAD "echo  %folder% | findstr /r /c:\"^land_\" || exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 4: Unbrick only reads “echo %folder% | findstr” with one space "
                  "on each side of the name: “echo  %folder% | findstr /r /c:\"^land_\" || exit /B 1”");
#undef CHOICE_HEAD

  /* "if [%other%] EQU [] set hw=0" does not make an empty hw count as 0 */
  assert_refused ("flash_all.bat",
                  "for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar hw-revision 2^>^&1 ^| findstr /r /c:\"hw-revision: \"') do (set hw=%%i)\n"
                  "if [%other%] EQU [] set hw=0\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 2: this condition is not one Unbrick understands: "
                  "“if [%other%] EQU [] set hw=0”");
  {
    g_autoptr(UbScript) s = parse ("flash_all.bat",
      "for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar hw-revision 2^>^&1 ^| findstr /r /c:\"hw-revision: \"') do (set hw=%%i)\n"
      "if [%HW%] EQU [] set hw=0\n"
      "if %hw% LEQ 10 (exit /B 1)\n");

    assert_step (s, 0, "check-number refuse-if hw-revision leq 10 (empty = 0)", TRUE, NULL);
  }

  /* a ^ at the end of a line joins the next one: cmd would only echo the erase */
  assert_refused ("flash_all.bat", "echo hello ^\nfastboot %* erase userdata\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: a “^” at the end of the line joins the next line to it, "
                  "which Unbrick does not follow: “echo hello ^”");
  assert_refused ("flash_all.bat", "fastboot %* flash boot %~dp0images\\boot.img\r\nrem see ^\r\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 2: a “^” at the end of the line joins the next line to it, "
                  "which Unbrick does not follow: “rem see ^”");
  {
    /* quoted, escaped (^^) or followed by a blank: no continuation */
    g_autoptr(UbScript) s = parse ("flash_all.bat",
      "echo \"hello ^\"\necho a^^\necho b^ \nfastboot %* erase userdata\n");

    g_assert_cmpuint (n_steps (s), ==, 4);
    assert_step (s, 3, "erase userdata", FALSE, NULL);
  }
}

/* cmd's numbers: 32 bits; beyond, cmd saturates and Unbrick does not compare. */
static void
test_cmd_number (void)
{
  const char *const bad[] = { "18446744073709551615", "18446744073709551616", "-9223372036854775808",
                              "9223372036854775807", "2147483648", "0x80000000", "-", "0x", "08",
                              "1a", " 1", "+-1", "", NULL };
  gint64 n = 0;

  g_assert_true (ub_script_cmd_number ("2147483647", &n));
  g_assert_cmpint (n, ==, G_MAXINT32);
  g_assert_true (ub_script_cmd_number ("-2147483647", &n));
  g_assert_cmpint (n, ==, -G_MAXINT32);
  g_assert_true (ub_script_cmd_number ("0x10", &n));
  g_assert_cmpint (n, ==, 16);
  g_assert_true (ub_script_cmd_number ("010", &n));
  g_assert_cmpint (n, ==, 8);
  for (guint i = 0; bad[i] != NULL; i++)
    g_assert_false (ub_script_cmd_number (bad[i], &n));

#define HW_HEAD \
  "for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar hw-revision 2^>^&1 ^| findstr /r /c:\"hw-revision: \"') do (set hw=%%i)\n"
  assert_refused ("flash_all.bat", HW_HEAD "if %hw% LEQ 18446744073709551615 (exit /B 1)\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 2: this comparison is not one Unbrick understands: "
                  "“if %hw% LEQ 18446744073709551615 (exit /B 1)”");
#undef HW_HEAD
  /* tokens=2 delims=: splits "partition-size:boot: 0x4000000" at the name's ':' too */
  assert_refused ("flash_all.bat",
                  "for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar partition-size:boot 2^>^&1 ^| findstr /r /c:\"partition-size:boot:\"') do (set size=%%i)\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: cmd splits this variable's name at “:”, so Unbrick cannot tell "
                  "which part the script reads: “for /f \"tokens=2 delims=: \" %%i in ('fastboot %* getvar "
                  "partition-size:boot 2^>^&1 ^| findstr /r /c:\"partition-size:boot:\"') do (set size=%%i)”");
}

/* getvar's answer is on stderr: a grep/findstr sees it only through 2>&1. */
static void
test_getvar_stderr (void)
{
  const char *const sh_forms[] = { "", " 2>/dev/null", " >&2", " 2>&1 >/dev/null", NULL };

  for (guint i = 0; sh_forms[i] != NULL; i++)
    {
      g_autofree char *line = g_strdup_printf ("fastboot $* getvar product%s | grep \"^product: *piano\"",
                                               sh_forms[i]);
      g_autofree char *text = g_strdup_printf ("%s || exit 1\n", line);
      g_autofree char *message = g_strdup_printf ("flash_all.sh, line 1: fastboot prints getvar's answer on "
                                                  "stderr: without “2>&1” before the pipe, grep sees "
                                                  "nothing: “%s || exit 1”", line);

      assert_refused ("flash_all.sh", text, UB_ROM_ERROR_UNSUPPORTED_SCRIPT, message);
    }
  assert_refused ("flash_all.bat", "fastboot %* getvar product 2>nul | findstr /r /c:\"^product: *corot\" || exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: fastboot prints getvar's answer on stderr: without “2>&1” before "
                  "the pipe, findstr sees nothing: “fastboot %* getvar product 2>nul | findstr /r "
                  "/c:\"^product: *corot\" || exit /B 1”");
  assert_refused ("flash_all.bat", "fastboot %* getvar product | findstr /r /c:\"^product: *corot\" || exit /B 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: fastboot prints getvar's answer on stderr: without “2>&1” before "
                  "the pipe, findstr sees nothing: “fastboot %* getvar product | findstr /r "
                  "/c:\"^product: *corot\" || exit /B 1”");
  /* set -e: cat proves nothing about another file than the one tested */
  assert_refused ("flash_all.sh",
                  "set -e\nif [ -e images/a.txt ]; then CUR=`cat images/anti_version.txt`; fi\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 2: with “set -e”, a missing file stops the script here, which Unbrick "
                  "does not follow: “if [ -e images/a.txt ]; then CUR=`cat images/anti_version.txt`; fi”");
  {
    g_autoptr(UbScript) s = parse ("flash_all.sh",
      "set -e\nif [ -e images/anti_version.txt ]; then CUR=`cat images/anti_version.txt`; fi\n");

    g_assert_cmpuint (n_steps (s), ==, 0);
  }
}

/* cmd pastes %folder% into the line: a name with its metacharacters runs something else. */
static void
test_folder_name_plain (void)
{
  const char *const bad[] = { "land&del", "land|x", "a<b", "a>b", "a^b", "land (1)", "a%p%",
                              "a!b!", "a\"b", "a\tb", "a\nb", NULL };

  g_assert_true (ub_folder_name_is_plain ("land_china_images_V9.5.6.0.MALCNFA_6.0"));
  g_assert_true (ub_folder_name_is_plain ("corot images-V816.0 [copy]"));
  for (guint i = 0; bad[i] != NULL; i++)
    g_assert_false (ub_folder_name_is_plain (bad[i]));
}

/* The ROM is for the product its folder's name selects. */
static void
test_bat_folder_codenames (void)
{
  const struct { const char *folder; const char *codename; } cases[] = {
    { "land_global_images_V9.5.6.0.MALMIFA_6.0", "land" },
    { "land_china_images_V9.5.6.0.MALCNFA_6.0", "landx" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *tmp = g_dir_make_tmp ("ub-script-XXXXXX", &error);
      g_autofree char *dir = g_build_filename (tmp, cases[i].folder, NULL);
      g_autofree char *bat = g_build_filename (dir, "flash_all.bat", NULL);
      g_autoptr(UbRom) rom = NULL;

      g_assert_no_error (error);
      g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
      g_assert_true (g_file_set_contents (bat, LAND_HEAD
        "fastboot %* getvar product 2>&1 | findstr /r /x /c:\"product: *%p%$\" || exit /B 1\n", -1, NULL));
      rom = ub_rom_new_for_folder (dir, &error);
      g_assert_no_error (error);
      g_assert_cmpstrv (ub_rom_get_codenames (rom), ((const char *[]) { cases[i].codename, NULL }));
      g_assert_cmpint (g_unlink (bat), ==, 0);
      g_assert_cmpint (g_rmdir (dir), ==, 0);
      g_assert_cmpint (g_rmdir (tmp), ==, 0);
    }
}

/* grep and findstr patterns: translated as they read them, or refused; never a PCRE that
 * reads differently or does not compile (a refuse-when-match check would never fire). */
static void
test_patterns (void)
{
  g_autoptr(GError) error = NULL;
  gboolean matches = TRUE;

#define SH_REFUSE_IF(grep) \
  "fastboot $* getvar board_version 2>&1 | " grep "\nif [ $? -eq 0 ]; then\n  exit 1\nfi\n"
  {
    g_autoptr(UbScript) s = parse ("flash_all.sh",
      SH_REFUSE_IF ("grep \"\\<4\\.4\\>\"")
      SH_REFUSE_IF ("grep \"*4\"")
      SH_REFUSE_IF ("grep 'a^b$c[\\.]'")
      SH_REFUSE_IF ("grep '\\(*a\\)\\{2\\}'"));

    g_assert_cmpuint (n_steps (s), ==, 4);
    /* BRE: \< \> are word boundaries; a leading *, a ^ inside, a $ inside and a
     * backslash in a class are literal */
    assert_step (s, 0, "check-var board_version !/\\b(?=\\w)4\\.4\\b(?<=\\w)/", TRUE, NULL);
    assert_step (s, 1, "check-var board_version !/\\*4/", TRUE, NULL);
    assert_step (s, 2, "check-var board_version !/a\\^b\\$c[\\\\.]/", TRUE, NULL);
    assert_step (s, 3, "check-var board_version !/(\\*a){2}/", TRUE, NULL);
    g_assert_true (ub_pattern_matches (step (s, 0)->pattern, "board_version: 4.4", &matches, NULL) &&
                   matches);
    g_assert_true (ub_pattern_matches (step (s, 0)->pattern, "board_version: 14.45", &matches, NULL) &&
                   !matches);
  }
  assert_refused ("flash_all.sh", SH_REFUSE_IF ("grep -E \"4\\.4|+5\""), UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: Unbrick cannot tell how grep reads this pattern: "
                  "“fastboot $* getvar board_version 2>&1 | grep -E \"4\\.4|+5\"”");
  assert_refused ("flash_all.sh", SH_REFUSE_IF ("grep \"4\\d\""), UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: Unbrick cannot tell how grep reads this pattern: "
                  "“fastboot $* getvar board_version 2>&1 | grep \"4\\d\"”");
  assert_refused ("flash_all.sh", SH_REFUSE_IF ("grep \"[[:foo:]]\""), UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: the pattern is not one Unbrick can read: "
                  "“fastboot $* getvar board_version 2>&1 | grep \"[[:foo:]]\"”");
#undef SH_REFUSE_IF

#define BAT_REFUSED(findstr, why) \
  assert_refused ("flash_all.bat", "fastboot %* getvar product 2>&1 | " findstr " || exit /B 1\n", \
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT, \
                  "flash_all.bat, line 1: " why ": “fastboot %* getvar product 2>&1 | " findstr " || exit /B 1”")
  BAT_REFUSED ("findstr /r \"*begonia\"", "Unbrick cannot tell how findstr reads this pattern");
  BAT_REFUSED ("findstr /r \"a**\"", "Unbrick cannot tell how findstr reads this pattern");
  BAT_REFUSED ("findstr /r \"\\<begonia\\>\"", "Unbrick cannot tell how findstr reads this pattern");
  BAT_REFUSED ("findstr /r \"\\Qa\\E\"", "Unbrick cannot tell how findstr reads this pattern");
  BAT_REFUSED ("findstr /r /c:\"x\\d\"", "Unbrick cannot tell how findstr reads this pattern");
  BAT_REFUSED ("findstr /r /c:\"^a^b\"", "Unbrick cannot tell how findstr reads this pattern");
  /* findstr's [a-z] follows the collation order: it takes capitals too */
  BAT_REFUSED ("findstr /r /c:\"^product: [a-z]*\"", "findstr reads this range of characters differently");
  BAT_REFUSED ("findstr /r /c:\"^product: [a-\"", "a “[” in the pattern is never closed");
#undef BAT_REFUSED

  {
    /* /i per string: "(?i)" in front would leak into the other alternatives of a joined check */
    g_autoptr(UbScript) s = parse ("flash_all.bat",
      "fastboot %* getvar board 2>&1 | findstr /r /c:\"^board: 5.[0-9]\" || exit /B 1\n"
      "fastboot %* getvar secure 2>&1 | findstr /i \"yes on\" || fastboot %* getvar secure 2>&1 | findstr \"ON\" || exit /B 1\n"
      "fastboot %* getvar board 2>&1 | findstr /r /c:\"^board: 5\\.\" || exit /B 1\n");

    g_assert_cmpuint (n_steps (s), ==, 3);
    assert_step (s, 0, "check-var board /^board: 5.[0-9]/", TRUE, NULL);
    assert_step (s, 1, "check-var secure /(?i:yes)|(?i:on)|ON/", TRUE, NULL);
    assert_step (s, 2, "check-var board /^board: 5\\./", TRUE, NULL);
    g_assert_true (ub_pattern_matches (step (s, 1)->pattern, "secure: YES", &matches, NULL) && matches);
  }

  /* a pattern that does not compile is an internal error, never "does not match" */
  g_assert_false (ub_pattern_matches ("a(", "a(", &matches, &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (ub_folder_name_matches ("[", "x", &matches, &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED);
}

static void
test_refusals (void)
{
  assert_refused ("flash_all.sh", "rm -rf /\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: this is not a flash step Unbrick knows: “rm -rf /”");
  assert_refused ("flash_all.sh", "\n\nfastboot $* flash boot /etc/passwd\n", UB_ROM_ERROR_UNSAFE_PATH,
                  "flash_all.sh, line 3: the path is outside the ROM folder (/etc/passwd): "
                  "“fastboot $* flash boot /etc/passwd”");
  assert_refused ("flash_all.sh", "fastboot $* flash boot `dirname $0`/images/../../boot.img\n",
                  UB_ROM_ERROR_UNSAFE_PATH,
                  "flash_all.sh, line 1: the path leaves the ROM folder ($/images/../../boot.img): "
                  "“fastboot $* flash boot `dirname $0`/images/../../boot.img”");
  assert_refused ("flash_all.sh", "fastboot $* -w update rom.zip\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: Unbrick understands “fastboot -w” only on a line of its "
                  "own: “fastboot $* -w update rom.zip”");
  assert_refused ("flash_all.bat", "fastboot %* flash boot images\\boot.img -w\r\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: Unbrick understands “fastboot -w” only on a line of its "
                  "own: “fastboot %* flash boot images\\boot.img -w”");
  assert_refused ("flash_all.sh", "fastboot $* -x\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: Unbrick does not support this fastboot option: “fastboot $* -x”");
  assert_refused ("flash_all.sh", "for i in a b; do echo $i; done\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: “for” is not supported: “for i in a b; do echo $i; done”");
  assert_refused ("flash_all.sh", "fastboot $* flash boot $IMG\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: Unbrick cannot resolve a variable on this line: “fastboot $* flash boot $IMG”");
  assert_refused ("flash_all.sh", "fastboot $* boot images/kernel images/ramdisk.img\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: this fastboot command is not one Unbrick runs: "
                  "“fastboot $* boot images/kernel images/ramdisk.img”");
  assert_refused ("flash_all.sh", "fastboot $* flash boot images/boot.img\nexit 1\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 2: the script stops with an error here: “exit 1”");
  assert_refused ("flash_all.sh", "echo hi > /tmp/x\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: this redirection is not supported: “echo hi > /tmp/x”");
  assert_refused ("flash_all.sh", "echo \"unclosed\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 2: a quote is never closed: “”");
  assert_refused ("flash_all.sh", "x=$((1+2))\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: arithmetic is not supported: “x=$((1+2))”");
  assert_refused ("flash_all.sh", "fastboot $* flash boot images/boot.img && reboot\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: this shell syntax is not supported: “fastboot $* flash boot images/boot.img && reboot”");
  assert_refused ("flash_all.sh", "fastboot $* getvar product | tee log\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.sh, line 1: this pipeline is not one Unbrick understands: “fastboot $* getvar product | tee log”");
  assert_refused ("flash_all.bat", "@echo off\ndel /q images\\*\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 2: this is not a flash step Unbrick knows: “del /q images\\*”");
  assert_refused ("flash_all.bat", "fastboot %* flash boot C:\\boot.img\n", UB_ROM_ERROR_UNSAFE_PATH,
                  "flash_all.bat, line 1: the path is outside the ROM folder (C:\\boot.img): "
                  "“fastboot %* flash boot C:\\boot.img”");
  assert_refused ("flash_all.bat", "if exist %~dp0images\\x.img (\nfastboot %* erase x\n",
                  UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: a “(” block is never closed: “if exist %~dp0images\\x.img (”");
  assert_refused ("flash_all.bat", "fastboot %* flash boot %IMG%\n", UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                  "flash_all.bat, line 1: Unbrick cannot resolve a variable on this line: “fastboot %* flash boot %IMG%”");
}

/* The words the CLI's JSON, the resume file and GSettings use are the enums'
 * GType nicks: the same words as before they were registered. */
static void
test_enum_nicks (void)
{
  static const char *const kinds[] = {
    "check-product", "check-anti-rollback", "check-security-patch", "check-folder",
    "check-number", "check-var", "flash", "erase", "format", "set-active", "oem", "flashing",
    "reboot", "boot", "getvar", "echo", "sleep", "exit",
  };
  static const char *const statuses[] = { "passed", "warning", "failed", "skipped" };
  static const char *const modes[] = { "clean-all", "keep-data", "clean-all-lock" };
  GEnumClass *klass = g_type_class_ref (UB_TYPE_STEP_KIND);

  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (kinds));
  g_type_class_unref (klass);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    g_assert_cmpstr (ub_step_kind_to_string (i), ==, kinds[i]);
  g_assert_cmpstr (ub_step_kind_to_string (99), ==, "unknown");
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    g_assert_cmpstr (ub_check_status_to_string (i), ==, statuses[i]);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      UbRomMode mode = 99;

      g_assert_cmpstr (ub_rom_mode_to_string (i), ==, modes[i]);
      g_assert_true (ub_rom_mode_from_string (modes[i], &mode));
      g_assert_cmpint (mode, ==, i);
    }
  g_assert_false (ub_rom_mode_from_string ("clean_all", NULL));
  g_assert_false (ub_rom_mode_from_string (NULL, NULL));
  g_assert_cmpstr (ub_usb_device_kind_to_string (UB_USB_DEVICE_KIND_BROM), ==, "brom");
  g_assert_cmpstr (ub_enum_nick (UB_TYPE_USB_ACCESS_PROBLEM, UB_USB_ACCESS_PERMISSION), ==,
                   "no-permission");
  g_assert_cmpstr (ub_enum_nick (UB_TYPE_SCRIPT_DIALECT, UB_SCRIPT_BAT), ==, "bat");
  g_assert_cmpstr (ub_enum_nick (UB_TYPE_ROM_ERROR, UB_ROM_ERROR_UNSUPPORTED_SCRIPT), ==,
                   "unsupported-script");
  g_assert_null (ub_enum_nick (UB_TYPE_CHECK_STATUS, 42));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/script/crlf-bom-trailing", test_crlf_bom_trailing);
  g_test_add_func ("/script/paths", test_paths);
  g_test_add_func ("/script/handle-error-set-e", test_handle_error_and_set_e);
  g_test_add_func ("/script/product", test_product_forms);
  g_test_add_func ("/script/anti", test_anti_forms);
  g_test_add_func ("/script/branches", test_branches);
  g_test_add_func ("/script/misc", test_misc_statements);
  g_test_add_func ("/script/bat", test_bat_forms);
  g_test_add_func ("/script/bat-anti-crc", test_bat_anti_and_crc);
  g_test_add_func ("/script/bat-ping-pause", test_bat_ping_pause);
  g_test_add_func ("/script/inverted-check", test_inverted_check);
  g_test_add_func ("/script/set-e", test_set_e);
  g_test_add_func ("/script/boot-reboot-bootloader", test_boot_and_reboot_bootloader);
  g_test_add_func ("/script/bat-findstr", test_bat_findstr_forms);
  g_test_add_func ("/script/bat-folder-number", test_bat_folder_and_number);
  g_test_add_func ("/script/bat-folder-choice", test_bat_folder_choice);
  g_test_add_func ("/script/bat-folder-parts", test_bat_folder_parts);
  g_test_add_func ("/script/bat-folder-codenames", test_bat_folder_codenames);
  g_test_add_func ("/script/patterns", test_patterns);
  g_test_add_func ("/script/folder-name-plain", test_folder_name_plain);
  g_test_add_func ("/script/cmd-number", test_cmd_number);
  g_test_add_func ("/script/getvar-stderr-set-e-file", test_getvar_stderr);
  g_test_add_func ("/script/bat-line-forms", test_bat_line_forms);
  g_test_add_func ("/script/refusals", test_refusals);
  g_test_add_func ("/script/wipe", test_wipe);
  g_test_add_func ("/script/enum-nicks", test_enum_nicks);
  return g_test_run ();
}
