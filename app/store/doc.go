// Package store is Warta's local database: one BadgerDB (v4) on disk in the
// data folder, opened by one process at a time.
//
// # Key layout
//
// Every key starts with a short namespace and a slash. This table is the
// whole layout; a package that adds keys adds its row here.
//
//	cfg/<name>       JSON  a user setting (package settings), e.g. cfg/language
//	meta/schema      JSON  the store's schema version (an integer)
//
// Writes are synchronous (SyncWrites): when Put returns, the value is on disk
// and survives the process being killed or the machine losing power.
package store
