#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
/* Two workers sum their own arrays and add into a shared one, meeting at a barrier after each round. */
static long shared[64];
static pthread_barrier_t barrier;
static void *worker(void *arg) {
    long id = (long)arg;
    long mine[16];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 16; i++) mine[i] = i * id + round;
        long s = 0;
        for (int i = 0; i < 16; i++) s += mine[i];
        shared[id * 8 + round] += s;
        pthread_barrier_wait(&barrier);
    }
    return 0;
}
int main(void) {
    pthread_t t[2];
    pthread_barrier_init(&barrier, 0, 2);
    for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, worker, (void *)(i + 1));
    for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
    return (int)(shared[8] + shared[16]) & 1;
}
