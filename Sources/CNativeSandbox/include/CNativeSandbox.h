// Placeholder until the native sandbox lands (issue 5).
#ifndef CNATIVESANDBOX_H
#define CNATIVESANDBOX_H
int cnativesandbox_placeholder(void);
#endif
