/*
 * proto.h: the interface of the protocol readers (one file each in this
 * room).  A reader is given one direction of a connection's bytes, in
 * order, and turns them into short summaries for the arrows.  The readers
 * depend on nothing of the model: the model feeds them bytes and keeps what
 * they say.
 */
#ifndef ST_PROTO_H
#define ST_PROTO_H

#endif
