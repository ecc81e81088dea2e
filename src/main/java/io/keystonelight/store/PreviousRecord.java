package io.keystonelight.store;

import io.keystonelight.persistence.RecordBatch;

/**
 * Measures, in the form it is written, the record of a key's value the table hands over where it
 * lies: what a replaced or removed value took of the data file, with no copy of the value made.
 */
final class PreviousRecord implements KeyTable.ValueReader {

    private byte[] k;

    private int ko;

    private int kl;

    /** 0 until the table hands a value over: the key had none. */
    private int recordLength;

    void of(byte[] key, int keyOffset, int keyLength) {
        this.k = key;
        this.ko = keyOffset;
        this.kl = keyLength;
        this.recordLength = 0;
    }

    /** The bytes of the record of the value handed over, or 0 when the key had none. */
    int recordLength() {
        return this.recordLength;
    }

    @Override
    public void value(byte[] buf, int off, int len) {
        this.recordLength = RecordBatch.putRecordLength(this.k, this.ko, this.kl, buf, off, len);
    }
}
