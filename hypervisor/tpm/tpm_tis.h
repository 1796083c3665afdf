/* Registers of the TPM FIFO interface (TCG PC Client Platform TPM Profile,
 * PTP, "FIFO Interface" register space): used by tpm_tis.c in root mode and
 * by the core for the address range it keeps away from the OS. */
#ifndef HV_TPM_TIS_H
#define HV_TPM_TIS_H

/* PTP "Memory Map": 5 localities, one 4 KiB window each, at a fixed address. */
#define TPM_TIS_BASE 0xfed40000ull
#define TPM_TIS_LOCALITY_SIZE 0x1000
#define TPM_TIS_LOCALITIES 5
#define TPM_TIS_SIZE (TPM_TIS_LOCALITIES * TPM_TIS_LOCALITY_SIZE)
#define TPM_TIS_LOCALITY_BASE(base, loc) \
	((base) + (u64)(loc) * TPM_TIS_LOCALITY_SIZE)

/* Offsets inside a locality's window. */
#define TPM_ACCESS 0x000		/* 8 bit */
#define TPM_INT_ENABLE 0x008		/* 32 bit; left as firmware set it */
#define TPM_INTF_CAPABILITY 0x014	/* 32 bit */
#define TPM_STS 0x018			/* 32 bit read; commands by 8-bit write */
#define TPM_STS_BYTE3 0x01b		/* commandCancel, resetEstablishment */
#define TPM_DATA_FIFO 0x024		/* accessed one byte at a time */
#define TPM_INTERFACE_ID 0x030		/* 32 bit; all ones on TIS 1.3 parts */
#define TPM_DID_VID 0xf00		/* 32 bit: DID << 16 | VID */
#define TPM_RID 0xf04			/* 8 bit */

/* TPM_ACCESS_x */
#define TPM_ACCESS_VALID 0x80		/* tpmRegValidSts: other bits valid */
#define TPM_ACCESS_RESERVED 0x40	/* reads 0: tells a floating bus apart */
#define TPM_ACCESS_ACTIVE 0x20		/* read: activeLocality; write 1: relinquish */
#define TPM_ACCESS_SEIZED 0x10		/* beenSeized */
#define TPM_ACCESS_SEIZE 0x08
#define TPM_ACCESS_PENDING 0x04		/* pendingRequest (another locality) */
#define TPM_ACCESS_REQUEST_USE 0x02
#define TPM_ACCESS_ESTABLISHMENT 0x01

/* TPM_STS_x */
#define TPM_STS_FAMILY_SHIFT 26		/* 0: TPM 1.2, 1: TPM 2.0 */
#define TPM_STS_BURST_SHIFT 8
#define TPM_STS_BURST_MASK 0xffff
#define TPM_STS_VALID 0x80		/* stsValid: dataAvail and Expect valid */
#define TPM_STS_COMMAND_READY 0x40
#define TPM_STS_GO 0x20			/* tpmGo (write) */
#define TPM_STS_DATA_AVAIL 0x10
#define TPM_STS_EXPECT 0x08
#define TPM_STS_SELFTEST_DONE 0x04
#define TPM_STS_RESPONSE_RETRY 0x02
#define TPM_STS3_COMMAND_CANCEL 0x01	/* bit 24, written through TPM_STS_BYTE3 */

/* TPM_INTERFACE_ID_x */
#define TPM_INTF_TYPE_MASK 0xf
#define TPM_INTF_TYPE_FIFO 0x0		/* FIFO for TPM 2.0 (PTP) */
#define TPM_INTF_TYPE_CRB 0x1		/* Command Response Buffer: not driven here */
#define TPM_INTF_TYPE_TIS 0xf		/* legacy TIS 1.3: register not implemented */
#define TPM_INTF_CAP_LOCALITY 0x100	/* 1: all five localities */

/* PTP "Interface Timeouts" defaults, in ms. */
#define TPM_TIMEOUT_A_MS 750		/* locality request */
#define TPM_TIMEOUT_B_MS 2000		/* commandReady */
#define TPM_TIMEOUT_C_MS 200		/* stsValid */
#define TPM_TIMEOUT_D_MS 30		/* short register changes */

#endif
