/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Xiaomi's update server: the miotaV3 crypto against fixed vectors, the
 * request JSON, the answer parsers, and the client against the emulator's
 * fake server (list, approval, refusal, garbage, Erase, zone routing, the
 * environment variable, refused addresses, a server that is down). */
#include "config.h"

#include <string.h>

#include "ub-emu-update-server.h"
#include "ub-emu-xiaomi-key.h"
#include "ub-miota-crypto.h"
#include "ub-online-error.h"
#include "ub-update-server-private.h"
#include "ub-update-server.h"

/*
 * Fixed vectors, computed once with the OpenSSL command line:
 *   printf '%s' "$PLAIN" | openssl enc -aes-128-cbc \
 *     -K 6d6975696f746176616c696465643131 -iv 30313032303330343035303630373038 -a -A
 * (the key is "miuiotavalided11", the IV "0102030405060708" in hex).
 */
#define PLAIN_1 "{\"d\":\"sweet\",\"v\":\"V14.0.9.0.TKFMIXM\",\"c\":\"13.0\",\"b\":\"F\"," \
                "\"sn\":\"0x1234abcd\",\"l\":\"en-US\",\"f\":\"1\",\"options\":{\"zone\":2}," \
                "\"pkg\":\"\"}"
#define PLAIN_2 "{\"Code\":{\"code\":\"000000\",\"message\":\"Success\"}}"
#define CIPHER_2 "Yxi/L25MOU4rih80Wgo6z3a9mi5ULfntkxuWOfbVkFJnPN8pVaLUm8vxahHUNgn0"
/* the empty text: one block of padding */
#define CIPHER_EMPTY "ziIMzvw5j60KyMgbKA3vbQ=="
/* "AAAAAAAAAAAAAAAA" encrypted with -nopad: decrypts to a last byte of 0x41 */
#define CIPHER_BAD_PADDING "fqJlxPprT87xSwSNByaKZg=="

#define MD5_CURRENT "b774d114f4c3c1d1e1f10000aaaabbbb"
#define MD5_LATEST  "C0FFEE0011223344556677889900AABB"
#define SHA1_CURRENT "1111111111111111111111111111111111111111"
#define SHA1_LATEST  "2222222222222222222222222222222222222222"
#define FILE_CURRENT "miui_SWEETGlobal_V14.0.9.0.TKFMIXM_b774d114f4_13.0.zip"
#define FILE_LATEST  "miui_SWEETGlobal_V14.0.10.0.TKFMIXM_c0ffee0011_13.0.zip"

static UbUpdateQuery *
sweet_query (const char *zone)
{
  UbUpdateQuery *query = ub_update_query_new ();

  query->device = g_strdup ("sweet");
  query->version = g_strdup ("V14.0.9.0.TKFMIXM");
  query->serial = g_strdup ("0x1234abcd");
  query->codebase = g_strdup ("13.0");
  query->branch = g_strdup ("F");
  query->zone = g_strdup (zone);
  return query;
}

/* ---- crypto */

static void
test_crypto_vectors (void)
{
  /* Vector 1: the request JSON of sweet_query ("2") (the same bytes as PLAIN_1). */
  static const char cipher_1[] =
    "OlsHDRuJ2JMiSBuHQGeHMEBCX2ik4cm1HYccqsxGBgWKJcovysVn/rYWbMYLHwQtg0PyKpSQbzYOdlJ/uAV3ZGZs"
    "Ncbve91jLSOnD4eA+Vt2hlnB+YW1FQgz1nQQjheVzr6zaSWjM90PvcPao5c4vnS1MRtRZNjOBE+l1J2V3l0=";
  g_autofree char *enc_1 = ub_miota_encrypt (PLAIN_1, strlen (PLAIN_1));
  g_autofree char *enc_2 = ub_miota_encrypt (PLAIN_2, strlen (PLAIN_2));
  g_autofree char *enc_empty = ub_miota_encrypt ("", 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *dec_1 = NULL, *dec_2 = NULL, *dec_empty = NULL, *dec_spaced = NULL;
  g_autofree char *spaced = g_strdup_printf ("  \r\n%.40s\n%s\n\t ", CIPHER_2, CIPHER_2 + 40);
  gsize len = 99;

  g_assert_cmpstr (enc_1, ==, cipher_1);
  g_assert_cmpstr (enc_2, ==, CIPHER_2);
  g_assert_cmpstr (enc_empty, ==, CIPHER_EMPTY);

  dec_1 = ub_miota_decrypt (cipher_1, 4096, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dec_1, ==, PLAIN_1);
  g_assert_cmpuint (len, ==, strlen (PLAIN_1));
  dec_2 = ub_miota_decrypt (CIPHER_2, 4096, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dec_2, ==, PLAIN_2);
  dec_empty = ub_miota_decrypt (CIPHER_EMPTY, 4096, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dec_empty, ==, "");
  g_assert_cmpuint (len, ==, 0);
  /* whitespace around and line breaks inside are tolerated */
  dec_spaced = ub_miota_decrypt (spaced, 4096, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dec_spaced, ==, PLAIN_2);
}

static void
assert_bad (const char *input,
            gsize       max_len,
            const char *why)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("Xiaomi’s update server sent an answer Unbrick "
                                               "cannot read (%s).", why);
  g_autofree char *plain = ub_miota_decrypt (input, max_len, NULL, &error);

  if (plain != NULL)
    g_error ("“%s” decrypted to “%s”", input, plain);
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_crypto_errors (void)
{
  g_autofree char *ten_bytes = g_base64_encode ((const guchar *) "0123456789", 10);
  g_autofree char *seventeen = g_base64_encode ((const guchar *) "0123456789abcdefg", 17);

  assert_bad ("<html>Bad gateway</html>", 4096, "not base64");
  assert_bad ("", 4096, "not base64");
  assert_bad ("   ", 4096, "not base64");
  assert_bad ("YWJj=ZGVm", 4096, "not base64");
  assert_bad ("YWJjZ", 4096, "not base64");
  assert_bad (ten_bytes, 4096, "not a whole number of AES blocks");
  assert_bad (seventeen, 4096, "not a whole number of AES blocks");
  assert_bad (CIPHER_BAD_PADDING, 4096, "bad padding");
  /* PLAIN_2 is 46 bytes */
  assert_bad (CIPHER_2, 45, "too long");
  assert_bad (CIPHER_2, 10, "too long");
  {
    g_autofree char *plain = ub_miota_decrypt (CIPHER_2, 46, NULL, NULL);
    g_assert_cmpstr (plain, ==, PLAIN_2);
  }
}

/* ---- request JSON and parsers */

static void
test_query_json (void)
{
  g_autoptr(UbUpdateQuery) query = sweet_query ("2");
  g_autoptr(UbUpdateQuery) copy = NULL;
  g_autofree char *json = ub_update_query_to_json (query, NULL);
  g_autofree char *json_pkg = NULL;
  g_autofree char *json_cn = NULL;

  /* field order and the defaults ("en-US", f = "1", zone as a number) */
  g_assert_cmpstr (json, ==, PLAIN_1);

  g_free (query->language);
  query->language = g_strdup ("zh-CN");
  g_free (query->zone);
  query->zone = g_strdup ("1");
  copy = ub_update_query_copy (query);
  json_pkg = ub_update_query_to_json (copy, MD5_CURRENT);
  g_assert_cmpstr (json_pkg, ==,
                   "{\"d\":\"sweet\",\"v\":\"V14.0.9.0.TKFMIXM\",\"c\":\"13.0\",\"b\":\"F\","
                   "\"sn\":\"0x1234abcd\",\"l\":\"zh-CN\",\"f\":\"1\",\"options\":{\"zone\":1},"
                   "\"pkg\":\"" MD5_CURRENT "\"}");
}

static void
test_parse_roms (void)
{
  static const char answer[] =
    "{\"CurrentRom\":{\"filename\":\"a.zip\",\"version\":\"V1\",\"md5\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
    "\"filesize\":\"4.1G\",\"codebase\":\"13.0\",\"branch\":\"F\",\"name\":\"MIUI 14\"},"
    "\"IncrementRom\":{\"filename\":\"inc.zip\",\"version\":\"V2\",\"md5\":\"cccccccccccccccccccccccccccccccc\"},"
    "\"LatestRom\":{\"filename\":\"b.zip\",\"version\":\"V2\",\"md5\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"filesize\":\"850M\"},"
    "\"CrossRom\":[{\"filename\":\"a-again.zip\",\"version\":\"V1\",\"md5\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},"
    "{\"filename\":\"nomd5.zip\",\"version\":\"V3\"},"
    "{\"filename\":\"badmd5.zip\",\"version\":\"V3\",\"md5\":\"xyz\"},"
    "{\"filename\":\"../evil.zip\",\"version\":\"V3\",\"md5\":\"dddddddddddddddddddddddddddddddd\"},"
    "{\"version\":\"V3\",\"md5\":\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"},"
    "{\"filename\":\"d.zip\",\"version\":\"V4\",\"md5\":\"ffffffffffffffffffffffffffffffff\",\"filesize\":12345}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) roms = ub_update_server_parse_roms (answer, strlen (answer), &error);
  g_autoptr(GPtrArray) none = NULL;
  UbUpdateRom *rom;

  g_assert_no_error (error);
  g_assert_cmpuint (roms->len, ==, 3);
  rom = roms->pdata[0];
  g_assert_cmpstr (ub_update_rom_get_kind (rom), ==, "CurrentRom");
  g_assert_true (ub_update_rom_get_is_current (rom));
  g_assert_cmpstr (ub_update_rom_get_md5 (rom), ==, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  g_assert_cmpstr (ub_update_rom_get_name (rom), ==, "MIUI 14");
  g_assert_cmpstr (ub_update_rom_get_size_text (rom), ==, "4.1G");
  g_assert_cmpuint (ub_update_rom_get_size_hint (rom), ==, (guint64) (4.1 * 1024 * 1024 * 1024));
  rom = roms->pdata[1];
  g_assert_cmpstr (ub_update_rom_get_kind (rom), ==, "LatestRom");
  g_assert_false (ub_update_rom_get_is_current (rom));
  g_assert_cmpstr (ub_update_rom_get_filename (rom), ==, "b.zip");
  g_assert_cmpuint (ub_update_rom_get_size_hint (rom), ==, 850 * 1024 * 1024);
  rom = roms->pdata[2];
  g_assert_cmpstr (ub_update_rom_get_kind (rom), ==, "CrossRom");
  g_assert_cmpstr (ub_update_rom_get_filename (rom), ==, "d.zip");
  g_assert_cmpstr (ub_update_rom_get_size_text (rom), ==, "12345");
  g_assert_cmpuint (ub_update_rom_get_size_hint (rom), ==, 12345);
  g_assert_null (ub_update_rom_get_codebase (rom));

  /* a phone the server does not know: no ROMs, no error */
  {
    static const char unknown[] = "{\"Signup\":{},\"VersionBoot\":{}}";
    none = ub_update_server_parse_roms (unknown, strlen (unknown), &error);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);

  g_assert_null (ub_update_server_parse_roms ("[1,2]", 5, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_assert_cmpstr (error->message, ==,
                   "Xiaomi’s update server sent an answer Unbrick cannot read (not JSON).");
  g_clear_error (&error);
  g_assert_null (ub_update_server_parse_roms ("{\"a\":", 5, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_clear_error (&error);
  {
    /* nested too deeply for the parser's bound */
    g_autofree char *deep = g_strnfill (100, '[');
    g_assert_null (ub_update_server_parse_roms (deep, 100, &error));
    g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
    g_clear_error (&error);
  }
}

static void
test_parse_approval (void)
{
  static const char int_erase[] =
    "{\"PkgRom\":{\"Validate\":\"dG9rZW4=\",\"Erase\":1,\"filename\":\"a.zip\",\"version\":\"V1\"}}";
  static const char no_message[] = "{\"Code\":{\"code\":2001}}";
  static const char number_message[] = "{\"Code\":{\"message\":404},\"PkgRom\":{\"Validate\":\"\"}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRomApproval) approval =
    ub_update_server_parse_approval (int_erase, strlen (int_erase), MD5_LATEST, &error);

  g_assert_no_error (error);
  g_assert_true (ub_rom_approval_get_erase (approval));
  g_assert_cmpstr (ub_rom_approval_get_token (approval), ==, "dG9rZW4=");
  /* no PkgRom.md5: the one asked about, in lower case */
  g_assert_cmpstr (ub_rom_approval_get_md5 (approval), ==, "c0ffee0011223344556677889900aabb");
  g_assert_cmpstr (ub_rom_approval_get_filename (approval), ==, "a.zip");

  g_assert_null (ub_update_server_parse_approval (no_message, strlen (no_message), MD5_LATEST,
                                                  &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==,
                   "Xiaomi’s update server did not approve this package for this phone.");
  g_clear_error (&error);
  g_assert_null (ub_update_server_parse_approval (number_message, strlen (number_message),
                                                  MD5_LATEST, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==,
                   "Xiaomi’s update server did not approve this package for this phone: “404”");
}

/* ---- the client against the fake server */

typedef struct {
  UbEmuUpdateServer *fake;
  UbUpdateServer    *server;
  char              *url;   /* BASE/updates/miotaV3.php */
} Fixture;

static UbEmuUpdateServer *
start_fake (void)
{
  g_autoptr(GError) error = NULL;
  UbEmuUpdateServer *fake = ub_emu_update_server_new ();

  ub_emu_update_server_add_rom (fake, "sweet", FILE_CURRENT, "V14.0.9.0.TKFMIXM", "13.0",
                                MD5_CURRENT, SHA1_CURRENT, 4400000000u, FALSE);
  ub_emu_update_server_add_rom (fake, "sweet", FILE_LATEST, "V14.0.10.0.TKFMIXM", "13.0",
                                MD5_LATEST, SHA1_LATEST, 3 * 1024 * 1024, TRUE);
  g_assert_true (ub_emu_update_server_start (fake, &error));
  g_assert_no_error (error);
  return fake;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->fake = start_fake ();
  f->url = g_strconcat (ub_emu_update_server_get_url (f->fake), "/updates/miotaV3.php", NULL);
  f->server = ub_update_server_new ();
  ub_update_server_set_urls (f->server, f->url, f->url);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->server);
  g_clear_object (&f->fake);
  g_free (f->url);
}

static void
test_list (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(UbUpdateQuery) query = sweet_query ("2");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) roms = ub_update_server_list_roms (f->server, query, NULL, &error);
  g_autoptr(GPtrArray) latest_only = NULL;
  g_autofree char *request = NULL;
  g_auto(GStrv) urls = NULL;
  const char * const mirrors[] = { "https://bigota.d.miui.com/", "https://cdnorg.d.miui.com", NULL };
  UbUpdateRom *rom;

  g_assert_no_error (error);
  g_assert_cmpuint (roms->len, ==, 2);
  rom = roms->pdata[0];
  g_assert_true (ub_update_rom_get_is_current (rom));
  g_assert_cmpstr (ub_update_rom_get_version (rom), ==, "V14.0.9.0.TKFMIXM");
  g_assert_cmpstr (ub_update_rom_get_filename (rom), ==, FILE_CURRENT);
  g_assert_cmpstr (ub_update_rom_get_md5 (rom), ==, MD5_CURRENT);
  g_assert_cmpstr (ub_update_rom_get_codebase (rom), ==, "13.0");
  g_assert_cmpstr (ub_update_rom_get_size_text (rom), ==, "4196.2M");
  urls = ub_update_rom_dup_urls (rom, mirrors);
  g_assert_cmpuint (g_strv_length (urls), ==, 2);
  g_assert_cmpstr (urls[0], ==, "https://bigota.d.miui.com/V14.0.9.0.TKFMIXM/" FILE_CURRENT);
  g_assert_cmpstr (urls[1], ==, "https://cdnorg.d.miui.com/V14.0.9.0.TKFMIXM/" FILE_CURRENT);
  rom = roms->pdata[1];
  g_assert_false (ub_update_rom_get_is_current (rom));
  g_assert_cmpstr (ub_update_rom_get_kind (rom), ==, "LatestRom");
  g_assert_cmpstr (ub_update_rom_get_md5 (rom), ==, "c0ffee0011223344556677889900aabb");
  g_assert_cmpuint (ub_update_rom_get_size_hint (rom), ==, 3 * 1024 * 1024);

  g_assert_cmpuint (ub_emu_update_server_get_requests (f->fake), ==, 1);
  request = ub_emu_update_server_dup_last_request (f->fake);
  g_assert_cmpstr (request, ==, PLAIN_1);

  /* the phone already runs the newest: CurrentRom and LatestRom are one ROM, listed once */
  g_free (query->version);
  query->version = g_strdup ("V14.0.10.0.TKFMIXM");
  latest_only = ub_update_server_list_roms (f->server, query, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (latest_only->len, ==, 1);
  g_assert_true (ub_update_rom_get_is_current (latest_only->pdata[0]));
  g_assert_cmpstr (ub_update_rom_get_filename (latest_only->pdata[0]), ==, FILE_LATEST);
}

static void
test_approve (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(UbUpdateQuery) query = sweet_query ("2");
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRomApproval) approval =
    ub_update_server_approve (f->server, query, "B774D114F4C3C1D1E1F10000AAAABBBB", NULL, &error);
  g_autoptr(UbRomApproval) erase = NULL;
  g_autoptr(UbEmuToken) token = NULL;
  g_autofree char *request = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (ub_rom_approval_get_md5 (approval), ==, MD5_CURRENT);
  g_assert_cmpstr (ub_rom_approval_get_filename (approval), ==, FILE_CURRENT);
  g_assert_cmpstr (ub_rom_approval_get_version (approval), ==, "V14.0.9.0.TKFMIXM");
  g_assert_false (ub_rom_approval_get_erase (approval));
  request = ub_emu_update_server_dup_last_request (f->fake);
  g_assert_nonnull (strstr (request, "\"pkg\":\"" MD5_CURRENT "\""));

  /* the token is signed for this phone and this package */
  token = ub_emu_token_verify (ub_rom_approval_get_token (approval), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token->serial, ==, "0x1234abcd");
  g_assert_cmpstr (token->version, ==, "V14.0.9.0.TKFMIXM");
  g_assert_cmpstr (token->zone, ==, "2");
  g_assert_cmpstr (token->sha1, ==, SHA1_CURRENT);

  /* Erase = "1" */
  erase = ub_update_server_approve (f->server, query, MD5_LATEST, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ub_rom_approval_get_erase (erase));
  g_assert_cmpstr (ub_rom_approval_get_md5 (erase), ==, "c0ffee0011223344556677889900aabb");

  /* not an MD5: nothing is sent */
  g_assert_null (ub_update_server_approve (f->server, query, "123", NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM);
  g_assert_cmpstr (error->message, ==, "“123” is not an MD5 checksum (32 hexadecimal digits).");
  g_assert_cmpuint (ub_emu_update_server_get_requests (f->fake), ==, 2);
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(UbUpdateQuery) query = sweet_query ("2");
  g_autoptr(UbUpdateQuery) other = sweet_query ("2");
  g_autoptr(GError) error = NULL;

  /* a package the server does not know for this phone */
  g_free (other->device);
  other->device = g_strdup ("alioth");
  g_assert_null (ub_update_server_approve (f->server, other, MD5_CURRENT, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==,
                   "Xiaomi’s update server did not approve this package for this phone: "
                   "“Package not found for this device”");
  g_clear_error (&error);

  ub_emu_update_server_set_refusal (f->fake, "  The validation of this package failed.  ");
  g_assert_null (ub_update_server_approve (f->server, query, MD5_CURRENT, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==,
                   "Xiaomi’s update server did not approve this package for this phone: "
                   "“The validation of this package failed.”");
  g_clear_error (&error);

  ub_emu_update_server_set_refusal (f->fake, NULL);
  {
    g_autoptr(UbRomApproval) approval =
      ub_update_server_approve (f->server, query, MD5_CURRENT, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (approval);
  }
}

static void
test_garbage (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(UbUpdateQuery) query = sweet_query ("2");
  g_autoptr(GError) error = NULL;

  ub_emu_update_server_set_garbage (f->fake, TRUE);
  g_assert_null (ub_update_server_list_roms (f->server, query, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
  g_assert_cmpstr (error->message, ==,
                   "Xiaomi’s update server sent an answer Unbrick cannot read (not base64).");
  g_clear_error (&error);
  g_assert_null (ub_update_server_approve (f->server, query, MD5_CURRENT, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA);
}

static void
test_zones (void)
{
  g_autoptr(UbEmuUpdateServer) cn = start_fake ();
  g_autoptr(UbEmuUpdateServer) intl = start_fake ();
  g_autofree char *cn_url = g_strconcat (ub_emu_update_server_get_url (cn), "/updates/miotaV3.php", NULL);
  g_autofree char *intl_url = g_strconcat (ub_emu_update_server_get_url (intl), "/updates/miotaV3.php", NULL);
  g_autoptr(UbUpdateServer) server = ub_update_server_new ();
  g_autoptr(UbUpdateQuery) china = sweet_query ("1");
  g_autoptr(UbUpdateQuery) global = sweet_query ("2");
  g_autoptr(UbUpdateQuery) eea = sweet_query ("3");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) a = NULL, b = NULL, c = NULL;
  g_autofree char *cn_request = NULL;

  ub_update_server_set_urls (server, cn_url, intl_url);
  g_assert_cmpstr (ub_update_server_get_url (server, "1"), ==, cn_url);
  g_assert_cmpstr (ub_update_server_get_url (server, "2"), ==, intl_url);
  g_assert_cmpstr (ub_update_server_get_url (server, NULL), ==, intl_url);

  a = ub_update_server_list_roms (server, china, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ub_emu_update_server_get_requests (cn), ==, 1);
  g_assert_cmpuint (ub_emu_update_server_get_requests (intl), ==, 0);
  cn_request = ub_emu_update_server_dup_last_request (cn);
  g_assert_nonnull (strstr (cn_request, "\"options\":{\"zone\":1}"));
  b = ub_update_server_list_roms (server, global, NULL, &error);
  g_assert_no_error (error);
  c = ub_update_server_list_roms (server, eea, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ub_emu_update_server_get_requests (cn), ==, 1);
  g_assert_cmpuint (ub_emu_update_server_get_requests (intl), ==, 2);

  /* NULL: Xiaomi's own hosts again */
  ub_update_server_set_urls (server, NULL, NULL);
  g_assert_cmpstr (ub_update_server_get_url (server, "1"), ==,
                   "https://update.miui.com/updates/miotaV3.php");
  g_assert_cmpstr (ub_update_server_get_url (server, "2"), ==,
                   "https://update.intl.miui.com/updates/miotaV3.php");
}

static void
test_defaults_and_env (void)
{
  g_autoptr(UbEmuUpdateServer) fake = start_fake ();
  g_autoptr(UbUpdateServer) plain = NULL;
  g_autoptr(UbUpdateServer) from_env = NULL;
  g_autofree char *base = g_strconcat (ub_emu_update_server_get_url (fake), "/", NULL);
  g_autofree char *expected = g_strconcat (ub_emu_update_server_get_url (fake),
                                           "/updates/miotaV3.php", NULL);
  g_autoptr(UbUpdateQuery) query = sweet_query ("1");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) roms = NULL;

  /* the schema's defaults (GSETTINGS_SCHEMA_DIR is the build tree's) */
  g_unsetenv ("UNBRICK_UPDATE_SERVER");
  plain = ub_update_server_new ();
  g_assert_cmpstr (ub_update_server_get_url (plain, "1"), ==,
                   "https://update.miui.com/updates/miotaV3.php");
  g_assert_cmpstr (ub_update_server_get_url (plain, "2"), ==,
                   "https://update.intl.miui.com/updates/miotaV3.php");

  g_setenv ("UNBRICK_UPDATE_SERVER", base, TRUE);
  from_env = ub_update_server_new ();
  g_unsetenv ("UNBRICK_UPDATE_SERVER");
  g_assert_cmpstr (ub_update_server_get_url (from_env, "1"), ==, expected);
  g_assert_cmpstr (ub_update_server_get_url (from_env, "2"), ==, expected);
  roms = ub_update_server_list_roms (from_env, query, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roms->len, ==, 2);
  g_assert_cmpuint (ub_emu_update_server_get_requests (fake), ==, 1);
}

static void
test_refused_addresses (void)
{
  g_autoptr(UbUpdateServer) server = ub_update_server_new ();
  g_autoptr(UbUpdateQuery) query = sweet_query ("1");
  g_autoptr(GError) error = NULL;

  ub_update_server_set_urls (server, "http://update.miui.com/updates/miotaV3.php",
                             "ftp://127.0.0.1/x");
  g_assert_null (ub_update_server_list_roms (server, query, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
  g_assert_cmpstr (error->message, ==,
                   "Unbrick downloads only over a secure connection, and "
                   "“http://update.miui.com/updates/miotaV3.php” is not one (http://). Use the "
                   "same link with https:// at the start.");
  g_clear_error (&error);

  g_free (query->zone);
  query->zone = g_strdup ("2");
  g_assert_null (ub_update_server_approve (server, query, MD5_CURRENT, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
  g_clear_error (&error);

  ub_update_server_set_urls (server, "not a url", "not a url");
  g_assert_null (ub_update_server_list_roms (server, query, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
  g_assert_cmpstr (error->message, ==, "The update server address “not a url” is not valid.");
}

static void
test_server_down (void)
{
  g_autoptr(UbEmuUpdateServer) fake = start_fake ();
  g_autofree char *url = g_strconcat (ub_emu_update_server_get_url (fake), "/updates/miotaV3.php", NULL);
  g_autoptr(UbUpdateServer) server = ub_update_server_new ();
  g_autoptr(UbUpdateQuery) query = sweet_query ("2");
  g_autoptr(GError) error = NULL;
  g_autofree char *wrong_path = g_strconcat (ub_emu_update_server_get_url (fake), "/other.php", NULL);

  /* a page that is not there: HTTP 404 */
  ub_update_server_set_urls (server, wrong_path, wrong_path);
  g_assert_null (ub_update_server_list_roms (server, query, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK);
  g_assert_cmpstr (error->message, ==,
                   "Xiaomi’s update server 127.0.0.1 did not answer (HTTP 404 Not Found). "
                   "Try again later.");
  g_clear_error (&error);

  ub_emu_update_server_stop (fake);
  ub_update_server_set_urls (server, url, url);
  g_assert_null (ub_update_server_list_roms (server, query, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Could not reach Xiaomi’s update server 127.0.0.1: "));
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(UbUpdateQuery) query = sweet_query ("2");
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) list_result = NULL, approve_result = NULL, cancelled_result = NULL;
  g_autoptr(GPtrArray) roms = NULL;
  g_autoptr(UbRomApproval) approval = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  ub_update_server_list_roms_async (f->server, query, NULL, async_done, &list_result);
  ub_update_server_approve_async (f->server, query, MD5_CURRENT, NULL, async_done,
                                  &approve_result);
  g_cancellable_cancel (cancellable);
  ub_update_server_approve_async (f->server, query, MD5_CURRENT, cancellable, async_done,
                                  &cancelled_result);
  while (list_result == NULL || approve_result == NULL || cancelled_result == NULL)
    g_main_context_iteration (NULL, TRUE);

  roms = ub_update_server_list_roms_finish (f->server, list_result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roms->len, ==, 2);
  approval = ub_update_server_approve_finish (f->server, approve_result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_rom_approval_get_md5 (approval), ==, MD5_CURRENT);
  g_assert_null (ub_update_server_approve_finish (f->server, cancelled_result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("UNBRICK_UPDATE_SERVER");

  g_test_add_func ("/update-server/crypto/vectors", test_crypto_vectors);
  g_test_add_func ("/update-server/crypto/errors", test_crypto_errors);
  g_test_add_func ("/update-server/query-json", test_query_json);
  g_test_add_func ("/update-server/parse/roms", test_parse_roms);
  g_test_add_func ("/update-server/parse/approval", test_parse_approval);
  g_test_add ("/update-server/list", Fixture, NULL, fixture_set_up, test_list, fixture_tear_down);
  g_test_add ("/update-server/approve", Fixture, NULL, fixture_set_up, test_approve,
              fixture_tear_down);
  g_test_add ("/update-server/refused", Fixture, NULL, fixture_set_up, test_refused,
              fixture_tear_down);
  g_test_add ("/update-server/garbage", Fixture, NULL, fixture_set_up, test_garbage,
              fixture_tear_down);
  g_test_add ("/update-server/async", Fixture, NULL, fixture_set_up, test_async,
              fixture_tear_down);
  g_test_add_func ("/update-server/zones", test_zones);
  g_test_add_func ("/update-server/defaults-and-env", test_defaults_and_env);
  g_test_add_func ("/update-server/refused-addresses", test_refused_addresses);
  g_test_add_func ("/update-server/server-down", test_server_down);
  return g_test_run ();
}
