/* Hex digits, for the two ends of the attestation channel: the verifier's
 * evidence parser (attest/evidence.c) and the guest's agent
 * (tools/attest-agent/agent.c). Pure code. */
#ifndef ATTEST_HEX_H
#define ATTEST_HEX_H

/* 0..15 for one hex digit (either case), -1 for anything else. */
int hex_digit(int c);
/* The byte of two hex digits p[0] p[1], or -1. */
int hex_byte(const char *p);

#endif
