/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* An emulated phone served over fastboot TCP on 127.0.0.1, for the C tests
 * (tests/common/libubtest; needs emulator_dep). */

#include "ub-emu-phone.h"
#include "ub-emu-tcp-server.h"

G_BEGIN_DECLS

typedef struct {
  char           *dir;      /* the phone's state (partitions, writes.log); deleted with it */
  UbEmuPhone     *phone;
  UbEmuTcpServer *server;
  char           *address;  /* "tcp:127.0.0.1:PORT" */
} UbTestPhone;

/* A phone with @profile (NULL: the built-in one) listening on a free port. */
UbTestPhone *ub_test_phone_new     (GKeyFile    *profile);
void         ub_test_phone_free    (UbTestPhone *phone);
/* The same in place (a test fixture): init fills @phone, clear stops and deletes it. */
void         ub_test_phone_init    (UbTestPhone *phone,
                                    GKeyFile    *profile);
void         ub_test_phone_clear   (UbTestPhone *phone);
/* The phone's writes.log ("" before the first write). */
char        *ub_test_phone_dup_log (UbTestPhone *phone);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbTestPhone, ub_test_phone_free)

G_END_DECLS
